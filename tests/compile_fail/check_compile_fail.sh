#!/usr/bin/env bash
# Compiles one file that must NOT compile, and checks that the compiler's message contains the
# text after "// EXPECT:" on the file's first line (a readable error, not template noise only).
# Usage: check_compile_fail.sh <c++ compiler> <include dir> <file> [extra include dirs...]
set -u
cxx=$1; include=$2; file=$3; shift 3
expect=$(head -1 "$file" | sed -n 's|^// EXPECT: ||p')
[ -n "$expect" ] || { echo "no '// EXPECT:' line in $file"; exit 2; }
extra=()
for dir in "$@"; do extra+=("-I$dir"); done
out=$("$cxx" -std=c++20 -fsyntax-only -I"$include" "${extra[@]}" "$file" 2>&1)
if [ $? -eq 0 ]; then
  echo "FAIL: $file compiled, but it must not"; exit 1
fi
if ! grep -qF -- "$expect" <<<"$out"; then
  echo "FAIL: the compiler error for $file does not say: $expect"; echo "$out" | head -30; exit 1
fi
echo "ok: $file fails to compile with: $expect"
