#!/usr/bin/env bash
# tests/mamcore_api_test.sh: libmamcore as a program outside this tree sees it. The headers are
# installed (make install-*HEADERS into a throwaway root) and then:
#  - libmamcore.so exports exactly the functions its installed headers mark MAM_API;
#  - a C++ program that includes every installed header links against it (extern "C" guards);
#  - a C program that defines its own trit_t still compiles (the headers use only mam_trit_t);
#  - mamgate.so, which links the same objects statically, exports only mamgate_plugin_*.
set -u
build=${MAMGATE_BUILDDIR:-.}
san=${MAMGATE_TEST_SAN_FLAGS:-} # a sanitizer build's library needs programs built the same way
libdir=$build/.libs
lib=$libdir/libmamcore.so
[ -f "$lib" ] || { echo "SKIP: no shared libmamcore.so (configured with --disable-shared?)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

if ! make -s -C "$build" DESTDIR="$work/root" install-mamcoreincludeHEADERS install-tangleincludeHEADERS \
  >"$work/install.log" 2>&1; then
  cat "$work/install.log"
  echo "FAIL: installing the headers"
  exit 1
fi
inc=$(dirname "$(find "$work/root" -type d -name mamcore | head -n 1)")
headers=$(cd "$inc" && ls mamcore/*.h tangle/*.h)

echo "== exports of libmamcore.so against the MAM_API declarations"
# The name before the first '(' of every line that starts a MAM_API declaration.
(cd "$inc" && grep -h '^MAM_API' $headers) | sed -e 's/(.*//' -e 's/.*[^A-Za-z0-9_]//' | sort -u >"$work/declared"
nm -D --defined-only "$lib" | awk '{print $3}' | sort -u >"$work/exported"
if [ -s "$work/declared" ] && cmp -s "$work/declared" "$work/exported"; then ok; else
  bad "exported but not declared MAM_API: $(comm -13 "$work/declared" "$work/exported" | tr '\n' ' ')"
  bad "declared MAM_API but not exported: $(comm -23 "$work/declared" "$work/exported" | tr '\n' ' ')"
fi
echo "libmamcore.so: $(wc -l <"$work/exported") symbols exported, $(wc -l <"$work/declared") declared"

echo "== a C++ program includes every installed header and links"
{
  for h in $headers; do echo "#include \"$h\""; done
  echo 'int main() { return mam_strerror(MAM_OK) != nullptr && tangle_strerror(TANGLE_OK) != nullptr ? 0 : 1; }'
} >"$work/api.cc"
cxx=${CXX:-c++}
if ! command -v "$cxx" >/dev/null; then bad "no C++ compiler ($cxx)"; else
  for std in c++11 c++17; do
    if "$cxx" -std=$std $san -Wall -Wextra -Werror -I"$inc" "$work/api.cc" -L"$libdir" -lmamcore -o "$work/api" \
      >"$work/cxx.log" 2>&1 && LD_LIBRARY_PATH=$libdir "$work/api"; then ok; else
      bad "C++ ($std):"; head -n 20 "$work/cxx.log"
    fi
  done
fi

echo "== a C program with a trit_t of its own"
{
  echo 'typedef int trit_t;'
  for h in $headers; do echo "#include \"$h\""; done
  echo 'int main(void) { trit_t big = 300; mam_trit_t t = 1; return big + t == 301 ? 0 : 1; }'
} >"$work/own.c"
if ${CC:-cc} -std=c11 $san -Wall -Wextra -Werror -I"$inc" "$work/own.c" -L"$libdir" -lmamcore -o "$work/own" \
  >"$work/c.log" 2>&1 && LD_LIBRARY_PATH=$libdir "$work/own"; then ok; else
  bad "C with its own trit_t:"; head -n 20 "$work/c.log"
fi

echo "== mamgate.so exports only mamgate_plugin_*"
plugin=$build/plugin/.libs/mamgate.so
others=$(nm -D --defined-only "$plugin" | awk '{print $3}' | grep -v '^mamgate_plugin_')
if [ -f "$plugin" ] && [ -z "$others" ]; then ok; else bad "mamgate.so also exports: $others"; fi

echo "mamcore_api_test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
