#!/usr/bin/env bash
# Spark 4 needs Java 17 or newer: fail early with a clear message otherwise.
set -u
if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
  echo "ERROR: Java was not found. Spark needs Java 17 or newer." >&2
  echo "Install it (Debian/Ubuntu: 'sudo apt-get install openjdk-17-jre-headless';" >&2
  echo "macOS: 'brew install openjdk@17') or set JAVA_HOME, then run this again." >&2
  exit 1
fi
java_bin="java"
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && java_bin="$JAVA_HOME/bin/java"
version=$("$java_bin" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
major=${version%%.*}
[ "$major" = "1" ] && major=$(echo "$version" | cut -d. -f2)
if ! [ "${major:-0}" -ge 17 ] 2>/dev/null; then
  echo "ERROR: Spark needs Java 17 or newer; found '${version:-unknown}' ($java_bin)." >&2
  echo "Install Java 17+ and put it first on PATH or set JAVA_HOME." >&2
  exit 1
fi
echo "Java $version found."
