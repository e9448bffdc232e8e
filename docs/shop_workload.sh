#!/usr/bin/env bash
# The shop-like workload behind the README's `perfgate top` example, from one psql session against
# database "shop" (created here; pg_perfgate must be preloaded): customer pages (a customer, then its
# orders), an index on orders(customer_id) created half-way, a dashboard aggregate, a page that lists
# 25 customers and then loads each one's orders with one query per customer (an N+1 loop), deep
# OFFSET pages and a batch job that updates customers one row at a time in one transaction.
# Usage: docs/shop_workload.sh [psql connection options]
set -euo pipefail
psql "$@" -d postgres -qc 'DROP DATABASE IF EXISTS shop' -c 'CREATE DATABASE shop'
{
  cat <<'SQL'
CREATE EXTENSION pg_perfgate;
CREATE TABLE customers (id int PRIMARY KEY, name text, region text, last_seen timestamptz);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int, created timestamptz, total numeric);
INSERT INTO customers SELECT g, 'customer ' || g, 'r' || g % 20, NULL FROM generate_series(1, 2000) g;
INSERT INTO orders SELECT g, 1 + g % 400, timestamptz '2026-01-01' + g * interval '1 minute', g % 97
  FROM generate_series(1, 40000) g;
ANALYZE customers, orders;
SELECT pg_perfgate_reset();
SQL
  page() { echo "SELECT id, name, region FROM customers WHERE id = $1;"
           echo "SELECT id, created, total FROM orders WHERE customer_id = $1;"; }
  dashboard() { echo "SELECT count(*), sum(total) FROM orders WHERE created > timestamptz '2026-01-01' + $1 * interval '1 day';"; }
  for i in $(seq 1 200); do page $((1 + i % 400)); [ $((i % 15)) -eq 0 ] && dashboard $((i % 20)); done
  echo "CREATE INDEX orders_customer ON orders (customer_id);"
  echo "ANALYZE orders;"
  for i in $(seq 201 400); do page $((1 + i % 400)); [ $((i % 15)) -eq 0 ] && dashboard $((i % 20)); done
  # The region page: 25 customers, then each one's latest orders, one query per customer.
  echo "SELECT id, name FROM customers WHERE region = 'r7' ORDER BY id LIMIT 25;"
  for c in $(seq 7 20 500); do
    echo "SELECT id, total, created FROM orders WHERE customer_id = $c ORDER BY created DESC LIMIT 5;"
  done
  for o in 5000 10000 20000; do
    echo "SELECT id, created, total FROM orders ORDER BY created DESC, id LIMIT 50 OFFSET $o;"
  done
  echo "BEGIN;"
  for c in $(seq 1 20); do echo "UPDATE customers SET last_seen = now() WHERE id = $c;"; done
  echo "COMMIT;"
} | psql "$@" -d shop -q -o /dev/null
