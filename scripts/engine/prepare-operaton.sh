#!/usr/bin/env bash
# Operaton's Spin JSON data format on Maven Central is published without its parent pom
# (operaton-spin-root 1.0.0 is missing), so Maven cannot resolve it as a dependency.
# This fetches the jar itself from Maven Central and installs it into the local Maven
# repository with a generated pom; the operaton profile then depends on it normally.
set -euo pipefail
G=org.operaton.spin A=operaton-spin-dataformat-json-jackson V=${OPERATON_SPIN_VERSION:-1.0.0}
LOCAL=${HOME}/.m2/repository/${G//.//}/$A/$V/$A-$V.jar
if [ -f "$LOCAL" ] && ! grep -q "<parent>" "${LOCAL%.jar}.pom" 2>/dev/null; then exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
curl -fsS -o "$tmp/$A.jar" "https://repo.maven.apache.org/maven2/${G//.//}/$A/$V/$A-$V.jar"
rm -rf "$(dirname "$LOCAL")"
mvn -B -q install:install-file -Dfile="$tmp/$A.jar" -DgroupId=$G -DartifactId=$A -Dversion="$V" \
  -Dpackaging=jar -DgeneratePom=true
