"""The Django app's models. Django creates every foreign key DEFERRABLE INITIALLY DEFERRED on
PostgreSQL, with an index on the referencing column."""
from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        app_label = "blog"


class Post(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    title = models.CharField(max_length=50)

    class Meta:
        app_label = "blog"


class Visit(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    page = models.CharField(max_length=50)

    class Meta:
        app_label = "blog"


class Article(models.Model):
    """A model with one large column (the body, about 1.5 kB a row) beside small ones."""
    title = models.CharField(max_length=50)
    byline = models.CharField(max_length=50)
    published = models.DateField()
    body = models.TextField()

    class Meta:
        app_label = "blog"
