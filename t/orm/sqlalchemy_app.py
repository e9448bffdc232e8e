"""A small SQLAlchemy (1.4) application with the habits people have: lazy relationships, bulk
helpers, per-object saves and deletes, OFFSET paging, streaming with yield_per, and a pooled
engine serving independent requests. Each scenario runs in autocommit mode (isolation_level
AUTOCOMMIT, as several frameworks configure it) or in the Session's own transactions.

Usage: sqlalchemy_app.py HOST PORT DBNAME autocommit|xact
"""
import sys
import time

import psycopg2.extras
from sqlalchemy import Column, Date, ForeignKey, Integer, String, Text, create_engine, insert, text
from sqlalchemy.orm import Session, declarative_base, defer, joinedload, load_only, relationship, selectinload
from sqlalchemy.pool import NullPool

from common import CHILDREN, Observer, run_scenarios

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String)
    posts = relationship("Post", back_populates="user", order_by="Post.id")


class Post(Base):
    __tablename__ = "posts"
    id = Column(Integer, primary_key=True)
    # Deferrable, as some ORMs create every foreign key: the checks run at COMMIT.
    user_id = Column(Integer, ForeignKey("users.id", deferrable=True, initially="DEFERRED"), index=True)
    title = Column(String)
    user = relationship("User", back_populates="posts")


class Visit(Base):
    __tablename__ = "visits"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id", deferrable=True, initially="DEFERRED"))
    page = Column(String)


class Article(Base):
    """A model with one large column (the body, about 1.5 kB a row) beside small ones."""
    __tablename__ = "articles"
    id = Column(Integer, primary_key=True)
    title = Column(String)
    byline = Column(String)
    published = Column(Date)
    body = Column(Text)


host, port, dbname, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
url = "postgresql+psycopg2://postgres@/%s?host=%s&port=%s" % (dbname, host, port)
obs = Observer(host, port, dbname)


def engine(**kw):
    if mode == "autocommit":
        kw["isolation_level"] = "AUTOCOMMIT"
    return create_engine(url, **kw)


def session_run(work, **kw):
    """Runs work(session) on a fresh engine and returns the backend pids it used."""
    e = engine(**kw)
    with Session(e) as s:
        pid = s.execute(text("SELECT pg_backend_pid()")).scalar()
        work(s)
        s.commit()
    e.dispose()
    return [pid]


def setup_schema():
    e = create_engine(url)
    Base.metadata.drop_all(e)
    Base.metadata.create_all(e)
    e.dispose()


def load(children):
    def go():
        counts = CHILDREN[children]
        obs.sql("TRUNCATE users, posts, visits")
        obs.sql("INSERT INTO users SELECT g, 'user' || g FROM generate_series(1, 20) g")
        rows = [(u + 1, "post") for u, n in enumerate(counts) for _ in range(n)]
        with obs.conn.cursor() as c:
            psycopg2.extras.execute_values(c, "INSERT INTO posts (user_id, title) VALUES %s", rows)
        obs.sql("ANALYZE users, posts")
    return go


# 2,000 articles with a body of 1,504 bytes each (stored inline), analyzed: the planner knows the
# body is most of the row. Below pg_perfgate.huge_fetch_rows in t/050_orm.pl.
ARTICLES = 2000


def load_articles():
    obs.sql("TRUNCATE articles")
    obs.sql("""INSERT INTO articles
               SELECT g, 'title ' || g, 'byline ' || g %% 7, date '2024-01-01' + g %% 300,
                      (SELECT string_agg(md5((g * 100 + k)::text), '') FROM generate_series(1, 47) k)
                 FROM generate_series(1, %s) g""", (ARTICLES,))
    obs.sql("ANALYZE articles")


def articles_all(s):
    # The default load of a mapped class: every column, the bodies with them, for a list page.
    for a in s.query(Article).order_by(Article.id):
        a.title


def articles_load_only(s):
    for a in s.query(Article).options(load_only(Article.title, Article.byline)).order_by(Article.id):
        a.title


def articles_defer(s):
    for a in s.query(Article).options(defer(Article.body)).order_by(Article.id):
        a.title


def users_with_posts(children):
    return sum(1 for n in CHILDREN[children] if n > 0)


def lazy_one_to_many(s):
    for u in s.query(User).order_by(User.id):
        len(u.posts)


def selectin_one_to_many(s):
    for u in s.query(User).options(selectinload(User.posts)).order_by(User.id):
        len(u.posts)


def joined_one_to_many(s):
    for u in s.query(User).options(joinedload(User.posts)).order_by(User.id):
        len(u.posts)


def lazy_many_to_one(s):
    for p in s.query(Post).order_by(Post.id):
        p.user.name


def joined_many_to_one(s):
    for p in s.query(Post).options(joinedload(Post.user)).order_by(Post.id):
        p.user.name


def add_all(s):
    s.add_all([Post(user_id=1 + i % 20, title="bulk") for i in range(500)])


def core_executemany(s):
    s.execute(insert(Post), [{"user_id": 1 + i % 20, "title": "many"} for i in range(500)])


def psycopg2_executemany(s):
    # psycopg2's executemany runs one INSERT per row: row by row, whatever its name suggests.
    cur = s.connection().connection.cursor()
    cur.executemany("INSERT INTO posts (user_id, title) VALUES (%s, %s)", [(1 + i % 20, "x") for i in range(30)])


def save_each(s):
    for i in range(30):
        s.add(Post(user_id=1 + i % 20, title="one"))
        s.flush()


def delete_each(s):
    for p in s.query(Post).order_by(Post.id).limit(30).all():
        s.delete(p)
        s.flush()


def bulk_delete(s):
    ids = [p.id for p in s.query(Post.id).order_by(Post.id).limit(30)]
    s.query(Post).filter(Post.id.in_(ids)).delete(synchronize_session=False)


def bulk_reassign(s):
    s.query(Post).filter(Post.user_id <= 10).update({Post.user_id: Post.user_id + 10}, synchronize_session=False)


def deep_offset(s):
    s.query(Post).order_by(Post.id).offset(1500).limit(20).all()


def keyset(s):
    last = 0
    for _ in range(5):
        page = s.query(Post).filter(Post.id > last).order_by(Post.id).limit(400).all()
        last = page[-1].id


def fetch_all(s):
    s.query(Post).all()


def stream(s):
    for _ in s.query(Post).yield_per(200):
        pass


def pooled_requests():
    # One pooled connection serving 12 independent requests 30 ms apart, each a lookup and an insert.
    e = engine(pool_size=1, max_overflow=0, pool_pre_ping=True)
    with e.connect() as c:
        pid = c.execute(text("SELECT pg_backend_pid()")).scalar()
    for i in range(12):
        with Session(e) as s:
            u = s.get(User, 1 + i)
            s.add(Visit(user_id=u.id, page="/home"))
            s.commit()
        time.sleep(0.03)
    e.dispose()
    return [pid]


SESSION_SETTING_CALLS = 16 if mode == "autocommit" else 15


def pooled_session_setting(local):
    """One pooled connection serving 6 requests. The first loads a user, then raises work_mem for
    its report: for the rest of the connection's life (bad: a session-level SET, which the pool's
    ROLLBACK on return does not undo) or for its own transaction only (good: SET LOCAL; in
    autocommit mode, where there is no transaction block, SET then RESET). The other requests
    look rows up, count them and list a few: 3 statements each, 15 in all, all in later
    transactions than the SET (in autocommit mode the report's query is one too: 16)."""
    e = engine(pool_size=1, max_overflow=0)
    with e.connect() as c:
        pid = c.execute(text("SELECT pg_backend_pid()")).scalar()
    with Session(e) as s:
        s.get(User, 1)
        if not local:
            s.execute(text("SET work_mem = '64MB'"))
        elif mode == "xact":
            s.execute(text("SET LOCAL work_mem = '64MB'"))
        else:
            s.execute(text("SET work_mem = '64MB'"))
        s.query(Post).order_by(Post.title, Post.id).all()
        if local and mode == "autocommit":
            s.execute(text("RESET work_mem"))
        s.commit()
    for i in range(2, 7):
        with Session(e) as s:
            s.get(User, i)
            s.query(Post).filter(Post.user_id == i).count()
            s.query(Post.title).filter(Post.user_id == i).order_by(Post.id).limit(5).all()
            s.commit()
    e.dispose()
    return [pid]


def requests(pooled):
    """150 requests, each a lookup of one user, from application "shop_requests": on a new
    connection each (NullPool, what an application without a pool does: bad) or on one pooled
    connection (good). Returns every backend pid the requests used."""
    kw = {"connect_args": {"application_name": "shop_requests"}}
    if pooled:
        kw.update(pool_size=1, max_overflow=0)
    else:
        kw["poolclass"] = NullPool
    e = engine(**kw)
    pids = set()
    for i in range(150):
        with Session(e) as s:
            pids.add(s.execute(text("SELECT pg_backend_pid()")).scalar())
            s.get(User, 1 + i % 20)
            s.commit()
    e.dispose()
    return list(pids)


def slow_request(commit_first):
    """A request that loads a user, then does 1.5 s of slow work of its own (a remote call, a
    template) and records a visit: with its transaction open meanwhile (bad: idle in transaction)
    or after committing what it read (good)."""
    e = engine(pool_size=1, max_overflow=0)
    with e.connect() as c:
        pid = c.execute(text("SELECT pg_backend_pid()")).scalar()
    with Session(e) as s:
        u = s.get(User, 1)
        user_id = u.id
        if commit_first:
            s.commit()
        time.sleep(1.5)
        s.add(Visit(user_id=user_id, page="/slow"))
        s.commit()
    e.dispose()
    return [pid]


# Two app workers (two pooled engines, so two server sessions) serve 40 requests in turn, 30 ms
# apart, each showing user 1's name. The sessions check every SELECT for identical repeated reads
# and need 30 runs (the defaults sample 1 in 16 and need 200 in a minute).
CACHE_OPTIONS = "-c pg_perfgate.cache_candidate_sample_rate=1 -c pg_perfgate.cache_candidate_calls=30"


def repeated_lookup(variant):
    """bad: every request reads user 1 again; cached: each worker keeps it after its first read;
    changing: each request also renames another user, so the table changes between the reads."""
    engines = [engine(pool_size=1, max_overflow=0, connect_args={"options": CACHE_OPTIONS}) for _ in range(2)]
    pids = []
    for e in engines:
        with e.connect() as c:
            pids.append(c.execute(text("SELECT pg_backend_pid()")).scalar())
    cache = [None, None]
    for i in range(40):
        w = i % 2
        with Session(engines[w]) as s:
            if variant != "cached" or cache[w] is None:
                cache[w] = s.get(User, 1).name
            if variant == "changing":
                s.query(User).filter(User.id == 2).update({User.name: "user2-%d" % i}, synchronize_session=False)
            s.commit()
        time.sleep(0.03)
    for e in engines:
        e.dispose()
    return pids


def run(fn):
    return lambda: session_run(fn)


scenarios = []
for n in (1, 3, 10, 100):
    k = "children=%d" % n
    scenarios += [
        ("%s lazy one-to-many is N+1 (%s)" % (mode, k), n, run(lazy_one_to_many),
         lambda: [("n_plus_one", "FROM posts", "FROM users", 20)]),
        ("%s selectinload is quiet (%s)" % (mode, k), n, run(selectin_one_to_many), lambda: []),
        ("%s joinedload is quiet (%s)" % (mode, k), n, run(joined_one_to_many), lambda: []),
        ("%s lazy many-to-one is N+1 (%s)" % (mode, k), n, run(lazy_many_to_one),
         (lambda n=n: [("n_plus_one", "FROM users", "FROM posts", users_with_posts(n))])
         if users_with_posts(n) >= 10 else (lambda: [])),
        ("%s joinedload many-to-one is quiet (%s)" % (mode, k), n, run(joined_many_to_one), lambda: []),
    ]
scenarios += [
    ("%s add_all against deferred foreign keys is quiet" % mode, 3, run(add_all), lambda: []),
    ("%s Core executemany against deferred foreign keys is quiet" % mode, 3, run(core_executemany), lambda: []),
    ("%s psycopg2 executemany is row by row" % mode, 3, run(psycopg2_executemany),
     lambda: [("row_by_row_write", "INSERT INTO posts", None, 30)]),
    ("%s per-object save loop is row by row" % mode, 3, run(save_each),
     lambda: [("row_by_row_write", "INSERT INTO posts", None, 30)]),
    ("%s per-object delete loop is row by row" % mode, 100, run(delete_each),
     lambda: [("row_by_row_write", "DELETE FROM posts", None, 30)]),
    ("%s bulk delete is quiet" % mode, 100, run(bulk_delete), lambda: []),
    ("%s bulk update of foreign keys is quiet" % mode, 100, run(bulk_reassign), lambda: []),
    ("%s deep OFFSET page is reported" % mode, 150, run(deep_offset), lambda: [("deep_offset", "OFFSET", None, 1)]),
    ("%s keyset paging is quiet" % mode, 150, run(keyset), lambda: []),
    ("%s fetching everything at once is reported" % mode, 150, run(fetch_all),
     lambda: [("unstreamed_fetch", "FROM posts", None, 1)]),
    ("%s pooled requests 30 ms apart are quiet" % mode, 3, pooled_requests, lambda: []),
    ("%s SET work_mem left on a pooled connection is reported" % mode, 3, lambda: pooled_session_setting(False),
     lambda: [("session_setting", "SET work_mem", None, SESSION_SETTING_CALLS)]),
    ("%s SET LOCAL work_mem (or SET, then RESET) on a pooled connection is quiet" % mode, 3,
     lambda: pooled_session_setting(True), lambda: []),
    ("%s loading whole articles with their large body is a wide fetch" % mode, "articles", run(articles_all),
     lambda: [("wide_fetch", "FROM articles", None, 1)]),
    ("%s load_only() the columns used is quiet" % mode, "articles", run(articles_load_only), lambda: []),
    ("%s defer() the body is quiet" % mode, "articles", run(articles_defer), lambda: []),
]
scenarios += [
    ("%s a new connection per request (NullPool) is connection_per_request" % mode, 3, lambda: requests(False),
     lambda: [("connection_per_request", "", None, None)]),
    ("%s requests on a pooled connection are quiet" % mode, 3, lambda: requests(True), lambda: []),
]
scenarios += [
    ("%s the same lookup repeated across requests is a cache candidate" % mode, 3,
     lambda: repeated_lookup("bad"), lambda: [("cache_candidate", "FROM users", None, 40)]),
    ("%s the same lookup cached by the app is quiet" % mode, 3, lambda: repeated_lookup("cached"), lambda: []),
    ("%s the same lookup on a table that changes between reads is quiet" % mode, 3,
     lambda: repeated_lookup("changing"), lambda: []),
]
if mode == "xact":  # psycopg2's server-side cursors need a transaction
    scenarios.append(("%s yield_per streams and is quiet" % mode, 150, run(stream), lambda: []))
    # In autocommit mode there is no transaction to leave open.
    scenarios += [
        ("%s slow work inside the transaction is idle_in_transaction" % mode, 3, lambda: slow_request(False),
         lambda: [("idle_in_transaction", "FROM users", None, 1)]),
        ("%s slow work after COMMIT is quiet" % mode, 3, lambda: slow_request(True), lambda: []),
    ]

setup_schema()
setups = {n: load(n) for n in CHILDREN}
setups["articles"] = load_articles
run_scenarios(obs, scenarios, setups)
print("1..%d" % obs.checks)
sys.exit(1 if obs.failed else 0)
