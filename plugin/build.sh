#!/usr/bin/env bash
# Builds the Elasticsearch plugin: plugin/target/releases/strata-plugin.zip
#
#   bash plugin/build.sh                # compile, run the unit tests, package
#   bash plugin/build.sh --skip-tests   # package without running the tests
#   npm run plugin:build [-- --skip-tests]
#
# Needs Maven and a JDK >= 21, looked up in this order: ES_JAVA_HOME, JAVA_HOME, a Temurin JDK under
# /usr/lib/jvm, any other JDK under /usr/lib/jvm. Extra arguments are passed to Maven.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
min_java=21

java_major() {
  # `java -version` prints e.g.: openjdk version "25.0.1" 2025-10-21  (or "1.8.0_402" on old JDKs)
  local v
  v="$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
  case "$v" in
    1.*) echo "${v#1.}" | cut -d. -f1 ;;
    "") echo 0 ;;
    *) echo "$v" | cut -d. -f1 | cut -d- -f1 | cut -d+ -f1 ;;
  esac
}

find_jdk() {
  local candidate
  for candidate in "${ES_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*temurin* /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    if [ "$(java_major "$candidate")" -ge "$min_java" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

skip_tests=()
maven_args=()
for arg in "$@"; do
  case "$arg" in
    --skip-tests|-DskipTests) skip_tests=(-DskipTests) ;;
    *) maven_args+=("$arg") ;;
  esac
done

if ! jdk="$(find_jdk)"; then
  echo "plugin/build.sh: no JDK >= $min_java found (set ES_JAVA_HOME, or install one under /usr/lib/jvm)" >&2
  exit 1
fi
if ! command -v mvn >/dev/null 2>&1; then
  echo "plugin/build.sh: Maven (mvn) is not on PATH" >&2
  exit 1
fi

major="$(java_major "$jdk")"
maven_opts="${MAVEN_OPTS:-}"
if [ "$major" -ge 24 ]; then
  # Maven 3.8/3.9 bundle a Guava that touches sun.misc.Unsafe; JDK 24+ warns on every run otherwise.
  maven_opts="--sun-misc-unsafe-memory-access=allow $maven_opts"
fi

echo "plugin/build.sh: JDK $major at $jdk${skip_tests:+ (tests skipped)}"
stamp="$(mktemp)"
heartbeat=""
cleanup() {
  if [ -n "$heartbeat" ]; then kill "$heartbeat" 2>/dev/null || true; heartbeat=""; fi
}
trap 'cleanup; rm -f "$stamp"' EXIT
t0=$SECONDS
if [ ! -t 1 ]; then
  # Not a terminal (CI, a pipe, docker build): a line every 15 s, so a long step (first dependency download, the
  # Surefire tests) never looks like a hang.
  ( while sleep 15; do echo "plugin/build.sh: still building ($((SECONDS - t0)) s)"; done ) &
  heartbeat=$!
fi
# Maven's own log, reduced to one line per build step ("[INFO] --- compiler:3.13.0:compile ..." becomes
# "plugin/build.sh: compiler:compile (default-compile) (7 s)") plus every warning, error and test failure it prints. Maven 3.8 prints stray
# ANSI resets even in batch mode, so escape sequences are stripped first (pipefail keeps Maven's exit code).
JAVA_HOME="$jdk" MAVEN_OPTS="$maven_opts" mvn -B -ntp -Dstyle.color=never -f "$here/pom.xml" package \
  ${skip_tests[@]+"${skip_tests[@]}"} ${maven_args[@]+"${maven_args[@]}"} 2>&1 \
  | sed -u 's/\x1b\[[0-9;]*m//g' \
  | while IFS= read -r line; do
      case "$line" in
        "[INFO] --- "*)
          step="${line#\[INFO\] --- }"; step="${step%% @*}"   # maven-compiler-plugin:3.13.0:compile (default-compile)
          plugin="${step%%:*}"; plugin="${plugin#maven-}"; plugin="${plugin%-plugin}"
          echo "plugin/build.sh: $plugin:${step##*:} ($((SECONDS - t0)) s)" ;;
        "[INFO]"*) ;;
        *) printf '%s\n' "$line" ;;
      esac
    done
cleanup

zip="$here/target/releases/strata-plugin.zip"
echo "plugin/build.sh: built ${zip#"$(pwd)/"}"
reports="$(find "$here/target/surefire-reports" -name '*.txt' -newer "$stamp" 2>/dev/null || true)"
if [ -n "$reports" ]; then
  # One line summing this run's Surefire reports (the filter above hides Maven's own summary).
  echo "$reports" | xargs cat | awk -F'[:,]' '/^Tests run/ { r += $2; f += $4; e += $6; s += $8 }
    END { printf("plugin/build.sh: tests run %d, failures %d, errors %d, skipped %d\n", r, f, e, s) }'
fi
