"""A small Django (3.2) application with the habits people have: lazy relations, prefetch_related
and select_related, bulk_create, per-object save() and delete(), Paginator (OFFSET), iterator()
(server-side cursors) and one persistent connection serving independent requests. Each scenario
runs in Django's default autocommit mode or inside transaction.atomic().

Usage: django_app.py HOST PORT DBNAME autocommit|xact
"""
import contextlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
host, port, dbname, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.configure(
    DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "HOST": host, "PORT": port,
                           "NAME": dbname, "USER": "postgres", "CONN_MAX_AGE": None}},
    INSTALLED_APPS=["blog"],
    USE_TZ=False,
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
)
django.setup()

import psycopg2.extras  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402

from blog.models import Article, Author, Post, Visit  # noqa: E402
from common import CHILDREN, Observer, run_scenarios  # noqa: E402

obs = Observer(host, port, dbname)


def in_mode():
    return transaction.atomic() if mode == "xact" else contextlib.nullcontext()


def app_run(work):
    """Runs work() on a new connection and returns its backend pid."""
    connection.close()
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()")
        pid = c.fetchone()[0]
    with in_mode():
        work()
    connection.close()
    return [pid]


def setup_schema():
    with connection.schema_editor() as editor:
        for m in (Visit, Post, Author, Article):
            editor.execute("DROP TABLE IF EXISTS %s CASCADE" % m._meta.db_table)
        for m in (Author, Post, Visit, Article):
            editor.create_model(m)
    connection.close()


def load(children):
    def go():
        counts = CHILDREN[children]
        obs.sql("TRUNCATE blog_author, blog_post, blog_visit")
        obs.sql("INSERT INTO blog_author SELECT g, 'author' || g FROM generate_series(1, 20) g")
        rows = [(u + 1, "post") for u, n in enumerate(counts) for _ in range(n)]
        with obs.conn.cursor() as c:
            psycopg2.extras.execute_values(c, "INSERT INTO blog_post (author_id, title) VALUES %s", rows)
        obs.sql("ANALYZE blog_author, blog_post")
    return go


# 2,000 articles with a body of 1,504 bytes each (stored inline), analyzed: the planner knows the
# body is most of the row. Below pg_perfgate.huge_fetch_rows in t/050_orm.pl.
ARTICLES = 2000


def load_articles():
    obs.sql("TRUNCATE blog_article")
    obs.sql("""INSERT INTO blog_article (title, byline, published, body)
               SELECT 'title ' || g, 'byline ' || g %% 7, date '2024-01-01' + g %% 300,
                      (SELECT string_agg(md5((g * 100 + k)::text), '') FROM generate_series(1, 47) k)
                 FROM generate_series(1, %s) g""", (ARTICLES,))
    obs.sql("ANALYZE blog_article")


def lazy_reverse():
    for a in Author.objects.order_by("id"):
        list(a.post_set.all())


def prefetched():
    for a in Author.objects.prefetch_related("post_set").order_by("id"):
        list(a.post_set.all())


def lazy_forward():
    for p in Post.objects.order_by("id"):
        p.author.name


def selected():
    for p in Post.objects.select_related("author").order_by("id"):
        p.author.name


def bulk_create():
    Post.objects.bulk_create([Post(author_id=1 + i % 20, title="bulk") for i in range(500)])


def save_each():
    for i in range(30):
        Post(author_id=1 + i % 20, title="one").save()


def delete_each():
    for p in list(Post.objects.order_by("id")[:30]):
        p.delete()


def bulk_delete():
    Post.objects.filter(id__in=list(Post.objects.order_by("id").values_list("id", flat=True)[:30])).delete()


def bulk_reassign():
    Post.objects.filter(author_id__lte=10).update(author_id=F("author_id") + 10)


def paginate_deep():
    list(Paginator(Post.objects.order_by("id"), 20).page(100))


def keyset():
    last = 0
    for _ in range(5):
        page = list(Post.objects.filter(id__gt=last).order_by("id")[:400])
        last = page[-1].id


def fetch_all():
    list(Post.objects.all())


def stream():
    for _ in Post.objects.all().iterator(chunk_size=500):
        pass


def pooled_requests():
    # One persistent connection (CONN_MAX_AGE) serving 12 independent requests 30 ms apart.
    connection.close()
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()")
        pid = c.fetchone()[0]
    for i in range(12):
        with in_mode():
            a = Author.objects.get(pk=1 + i)
            Visit.objects.create(author=a, page="/home")
        time.sleep(0.03)
    connection.close()
    return [pid]


def articles_all():
    # The default load of a model: every column, the bodies with them, for a list page.
    for a in Article.objects.order_by("id"):
        a.title


def articles_only():
    for a in Article.objects.only("title", "byline").order_by("id"):
        a.title


def articles_defer():
    for a in Article.objects.defer("body").order_by("id"):
        a.title


# Issue 20 finding 1 on Django: one persistent connection (CONN_MAX_AGE) serving 6 requests.
SESSION_SETTING_CALLS = 16 if mode == "autocommit" else 15


def persistent_session_setting(local):
    """The first request loads an author, then raises work_mem for its report: for the rest of
    the connection's life (bad: a session-level SET, which Django does not undo when the request
    ends) or for its own transaction (good: SET LOCAL inside transaction.atomic()). The other five
    requests look an author up, count their posts and list a few: 15 statements in later
    transactions (in autocommit mode the report's query is one more: 16)."""
    connection.close()
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()")
        pid = c.fetchone()[0]
    if local:
        with transaction.atomic():
            Author.objects.get(pk=1)
            with connection.cursor() as c:
                c.execute("SET LOCAL work_mem = '64MB'")
            list(Post.objects.order_by("title", "id"))
    else:
        with in_mode():
            Author.objects.get(pk=1)
            with connection.cursor() as c:
                c.execute("SET work_mem = '64MB'")
            list(Post.objects.order_by("title", "id"))
    for i in range(2, 7):
        with in_mode():
            Author.objects.get(pk=i)
            Post.objects.filter(author_id=i).count()
            list(Post.objects.filter(author_id=i).order_by("id")[:5])
    connection.close()
    return [pid]


def requests(persistent):
    """150 requests, each a lookup of one author, from application "blog_requests": each on a new
    connection (CONN_MAX_AGE = 0, Django's default: the connection is closed at the end of every
    request; bad) or all on one persistent connection (good). Returns every backend pid used."""
    options = connection.settings_dict.setdefault("OPTIONS", {})
    options["application_name"] = "blog_requests"
    connection.close()
    pids = set()
    try:
        for i in range(150):
            with connection.cursor() as c:
                c.execute("SELECT pg_backend_pid()")
                pids.add(c.fetchone()[0])
            Author.objects.get(pk=1 + i % 20)
            if not persistent:
                connection.close()
    finally:
        connection.close()
        del options["application_name"]
    return list(pids)


def slow_request(commit_first):
    """A request that loads an author, then does 1.5 s of slow work of its own and records a
    visit: all inside transaction.atomic() (bad: idle in transaction) or with the slow work
    between two atomic blocks (good)."""
    connection.close()
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()")
        pid = c.fetchone()[0]
    if commit_first:
        with transaction.atomic():
            a = Author.objects.get(pk=1)
        time.sleep(1.5)
        with transaction.atomic():
            Visit.objects.create(author=a, page="/slow")
    else:
        with transaction.atomic():
            a = Author.objects.get(pk=1)
            time.sleep(1.5)
            Visit.objects.create(author=a, page="/slow")
    connection.close()
    return [pid]


def repeated_lookup(variant):
    """40 requests, 30 ms apart, each showing author 1's name, on two persistent connections in
    turn (the connection is closed after 20: a worker restarting), which check every SELECT for
    identical repeated reads and need 30 runs (the defaults sample 1 in 16 and need 200 in a
    minute). bad: every request reads it again; cached: the app keeps it after its first read on
    each connection; changing: each request also renames another author between the reads."""
    pids = []
    name = None
    for i in range(40):
        if i % 20 == 0:
            connection.close()
            name = None
            with connection.cursor() as c:
                c.execute("SELECT pg_backend_pid()")
                pids.append(c.fetchone()[0])
                c.execute("SET pg_perfgate.cache_candidate_sample_rate = 1")
                c.execute("SET pg_perfgate.cache_candidate_calls = 30")
        with in_mode():
            if variant != "cached" or name is None:
                name = Author.objects.get(pk=1).name
            if variant == "changing":
                Author.objects.filter(pk=2).update(name="author2-%d" % i)
        time.sleep(0.03)
    connection.close()
    return pids


def posts(n):
    return sum(CHILDREN[n])


def run(fn):
    return lambda: app_run(fn)


scenarios = []
for n in (1, 3, 10, 100):
    k = "children=%d" % n
    scenarios += [
        ("%s lazy reverse foreign key is N+1 (%s)" % (mode, k), n, run(lazy_reverse),
         lambda: [("n_plus_one", 'FROM "blog_post"', 'FROM "blog_author"', 20)]),
        ("%s prefetch_related is quiet (%s)" % (mode, k), n, run(prefetched), lambda: []),
        ("%s lazy foreign key is N+1 (%s)" % (mode, k), n, run(lazy_forward),
         lambda n=n: [("n_plus_one", 'FROM "blog_author"', 'FROM "blog_post"', posts(n))]),
        ("%s select_related is quiet (%s)" % (mode, k), n, run(selected), lambda: []),
    ]
scenarios += [
    ("%s bulk_create against deferred foreign keys is quiet" % mode, 3, run(bulk_create), lambda: []),
    ("%s per-object save() loop is row by row" % mode, 3, run(save_each),
     lambda: [("row_by_row_write", 'INSERT INTO "blog_post"', None, 30)]),
    ("%s per-object delete() loop is row by row" % mode, 100, run(delete_each),
     lambda: [("row_by_row_write", 'DELETE FROM "blog_post"', None, 30)]),
    ("%s queryset delete() is quiet" % mode, 100, run(bulk_delete), lambda: []),
    ("%s queryset update() of foreign keys is quiet" % mode, 100, run(bulk_reassign), lambda: []),
    ("%s Paginator's deep page is deep OFFSET" % mode, 150, run(paginate_deep),
     lambda: [("deep_offset", "OFFSET", None, 1)]),
    ("%s keyset paging is quiet" % mode, 150, run(keyset), lambda: []),
    ("%s list(queryset) of 3,000 rows is an unstreamed fetch" % mode, 150, run(fetch_all),
     lambda: [("unstreamed_fetch", 'FROM "blog_post"', None, 1)]),
    ("%s iterator() streams and is quiet" % mode, 150, run(stream), lambda: []),
    ("%s persistent connection, requests 30 ms apart, is quiet" % mode, 3, pooled_requests, lambda: []),
    ("%s SET work_mem left on a persistent connection is reported" % mode, 3,
     lambda: persistent_session_setting(False),
     lambda: [("session_setting", "SET work_mem", None, SESSION_SETTING_CALLS)]),
    ("%s SET LOCAL work_mem in transaction.atomic() is quiet" % mode, 3,
     lambda: persistent_session_setting(True), lambda: []),
    ("%s loading whole articles with their large body is a wide fetch" % mode, "articles", run(articles_all),
     lambda: [("wide_fetch", 'FROM "blog_article"', None, 1)]),
    ("%s only() the columns used is quiet" % mode, "articles", run(articles_only), lambda: []),
    ("%s defer() the body is quiet" % mode, "articles", run(articles_defer), lambda: []),
    ("%s a new connection per request (CONN_MAX_AGE = 0) is connection_per_request" % mode, 3,
     lambda: requests(False), lambda: [("connection_per_request", "", None, None)]),
    ("%s requests on a persistent connection are quiet" % mode, 3, lambda: requests(True), lambda: []),
    ("%s slow work inside transaction.atomic() is idle_in_transaction" % mode, 3, lambda: slow_request(False),
     lambda: [("idle_in_transaction", 'FROM "blog_author"', None, 1)]),
    ("%s slow work between two atomic blocks is quiet" % mode, 3, lambda: slow_request(True), lambda: []),
]
scenarios += [
    ("%s the same lookup repeated across requests is a cache candidate" % mode, 3,
     lambda: repeated_lookup("bad"), lambda: [("cache_candidate", 'FROM "blog_author"', None, 40)]),
    ("%s the same lookup cached by the app is quiet" % mode, 3, lambda: repeated_lookup("cached"), lambda: []),
    ("%s the same lookup on a table that changes between reads is quiet" % mode, 3,
     lambda: repeated_lookup("changing"), lambda: []),
]

setup_schema()
setups = {n: load(n) for n in CHILDREN}
setups["articles"] = load_articles
run_scenarios(obs, scenarios, setups)
print("1..%d" % obs.checks)
sys.exit(1 if obs.failed else 0)
