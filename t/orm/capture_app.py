"""A small SQLAlchemy (1.4) shop for perfgate capture (t/095_capture.pl): its migration creates the
schema and loads data, then it serves a fixed, seeded stream of requests — a user by id, a user by
e-mail, a user's latest posts, a new comment — as an application would, over psycopg2 (which sends
its values as literals: the extension samples them as the statements' constants).

Usage: capture_app.py HOST PORT DBNAME migrate [--drop-index] | serve
  migrate       creates the tables (with an index on posts.user_id unless --drop-index: the planted
                regression) and loads users and posts, then ANALYZE
  serve         runs the requests; prints one line per kind: "calls KIND N"
"""
import random
import sys

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, create_engine, func, text
from sqlalchemy.orm import Session, declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = "shop_users"
    id = Column(Integer, primary_key=True)
    name = Column(String(80), nullable=False)
    email = Column(String(120), nullable=False, unique=True)
    country = Column(String(2))


class Post(Base):
    __tablename__ = "shop_posts"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("shop_users.id"), nullable=False, index=True)
    title = Column(String(200), nullable=False)
    created = Column(DateTime, server_default=func.now())


class Comment(Base):
    __tablename__ = "shop_comments"
    id = Column(Integer, primary_key=True)
    post_id = Column(Integer, ForeignKey("shop_posts.id"), nullable=False)
    body = Column(String(500))


host, port, dbname, command = sys.argv[1:5]
url = "postgresql+psycopg2://postgres@/%s?host=%s&port=%s" % (dbname, host, port)
USERS, POSTS = 2000, 60000


def migrate(drop_index):
    e = create_engine(url)
    Base.metadata.drop_all(e)
    Base.metadata.create_all(e)
    with e.begin() as c:
        c.execute(text("INSERT INTO shop_users (id, name, email, country) "
                       "SELECT g, 'user ' || g, 'user' || g || '@example.com', "
                       "(ARRAY['DE','FR','US','US','US','IT'])[1 + g % 6] FROM generate_series(1, :n) g"),
                  {"n": USERS})
        # Skewed: a few users write most posts.
        c.execute(text("INSERT INTO shop_posts (user_id, title, created) "
                       "SELECT 1 + (floor(power(random(), 3) * :u))::int, 'post ' || g, "
                       "now() - g * interval '1 minute' FROM generate_series(1, :n) g"),
                  {"u": USERS, "n": POSTS})
        c.execute(text("SELECT setval('shop_users_id_seq', :n)"), {"n": USERS})
        if drop_index:
            # The planted regression: a migration that drops the index the user's posts are read by.
            c.execute(text("DROP INDEX ix_shop_posts_user_id"))
        c.execute(text("ANALYZE shop_users, shop_posts, shop_comments"))
    e.dispose()


def serve():
    rng = random.Random(7)
    e = create_engine(url)
    calls = {"user_by_id": 0, "user_by_email": 0, "latest_posts": 0, "new_comment": 0}
    with Session(e) as s:
        for i in range(600):
            uid = rng.randint(1, USERS)
            r = i % 12
            if r < 5:
                s.get(User, uid)
                s.expunge_all()
                calls["user_by_id"] += 1
            elif r < 8:
                s.query(Post).filter(Post.user_id == uid).order_by(Post.id.desc()).limit(10).all()
                calls["latest_posts"] += 1
            elif r < 11:
                s.query(User).filter(User.email == "user%d@example.com" % uid).one_or_none()
                calls["user_by_email"] += 1
            else:
                s.add(Comment(post_id=rng.randint(1, POSTS), body="comment %d" % i))
                s.flush()
                calls["new_comment"] += 1
            s.commit()
    e.dispose()
    for k in sorted(calls):
        print("calls %s %d" % (k, calls[k]))


if command == "migrate":
    migrate("--drop-index" in sys.argv[5:])
elif command == "serve":
    serve()
else:
    sys.exit("usage: capture_app.py HOST PORT DBNAME migrate [--drop-index] | serve")
