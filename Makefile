# pg_perfgate — PGXS build of the extension, plus the project's two entry points:
#   make demo    build, install, run the built-in workloads on a throw-away cluster, print the report
#   make test    every test: core unit tests, harness tests, pg_regress suites, TAP tests
#   make test-majors   the extension built and tested on PostgreSQL 17 and 18 (scripts/majors.sh)
# and PGXS's own: `make installcheck` runs REGRESS against the server PGHOST/PGPORT/PGUSER name.
MODULE_big = pg_perfgate
# The control file and scripts live in extension/, so they are installed as DATA into the extension dir.
MODULEDIR = extension
DATA = extension/pg_perfgate.control extension/pg_perfgate--1.0.sql

SRCS = $(wildcard extension/src/*.cpp) $(wildcard extension/core/*.cpp)
OBJS = $(SRCS:.cpp=.o)

# The pg_regress suite (sql/NAME.sql, expected/NAME.out), in the order it runs: the one list of the
# tests that need nothing but shared_preload_libraries = 'pg_perfgate'. `make installcheck` runs it
# against a running server, scripts/regress.sh (make test) on a throw-away one. Tests that need other
# settings (evict, noload) are not here: scripts/regress.sh runs them in groups of their own.
REGRESS = select api mute spill_advice normalize plan_id nested utility prepared planning reset privileges privileges_grouped \
          detector_settings plan_text_failure plan_text_sampled plan_text_memory plan_id_cache exec_state antipatterns \
          antipattern_actions errors query_group jit temp_spill activity comments \
          n_plus_one_collections deferred_fk_checks pooled_requests n_plus_one_message antipattern_lock sampling \
          plan_changes_privileges finish_measured plan_id_shapes long_texts stats_since recent pgss_columns \
          param_samples session_setting wide_fetch unrun_portal connections cache_candidate track_setting \
          detect_rows_gate

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -Iextension -Iextension/src
# Hidden by default (what PGXS does from PostgreSQL 16 on; pg.hpp marks the exported entry points):
# the library's own globals and functions are then reached directly, not through the GOT and PLT,
# which spares every statement's hooks about a hundred instructions (bench/README.md).
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Werror -Wno-missing-field-initializers -Wno-unused-parameter \
              -fvisibility=hidden -fvisibility-inlines-hidden -flto=auto
SHLIB_LINK = -lstdc++ -flto=auto -O2
# The bitcode for JIT inlining must be compiled as the same C++ dialect.
COMPILE.cxx.bc = $(CLANG) -xc++ -Wno-ignored-attributes $(BITCODE_CXXFLAGS) -std=c++17 $(CPPFLAGS) -flto=thin -emit-llvm -c

# Rebuild objects when a header they include changes.
override autodepend = yes
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Compile our own code with -Werror but PostgreSQL's headers as system headers.
override CPPFLAGS := $(patsubst -I%/server,-isystem %/server,$(patsubst -I%/internal,-isystem %/internal,$(CPPFLAGS)))

# PGXS rules end here; the project's entry points follow.
.PHONY: deps demo test test-majors print-regress
deps:
	@bash scripts/deps.sh

demo: deps
	@bash scripts/demo.sh

test: deps
	@bash scripts/test.sh

# Each in a Debian root of the release that ships it (cached in /var/cache/pg_perfgate/roots).
MAJORS ?= 17 18
test-majors:
	@bash scripts/majors.sh $(MAJORS)

# The REGRESS list, for scripts/regress.sh.
print-regress:
	@echo $(REGRESS)
