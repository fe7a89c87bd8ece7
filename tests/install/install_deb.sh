#!/usr/bin/env bash
# install_deb.sh BUILD EXPECTED WORK: `cpack -G DEB` of BUILD into WORK, then checks the package with
# dpkg-deb (it never installs it):
#   - Package forkscope, the project's Version, this machine's Architecture;
#   - Depends names the Debian package of every shared library the binary needs (readelf's NEEDED,
#     resolved by ldd, owned per dpkg -S), so the package runs on a clean machine;
#   - the files are exactly bin/forkscope, share/forkscope/kernel.elf and user/*.elf, and the man
#     page when the build has one, all under ./usr;
#   - unpacked (dpkg-deb -x) anywhere, its usr/bin/forkscope boots the packaged kernel from / and
#     prints EXPECTED with status 0.
# Status 77 (skipped) without the Debian tools cpack needs.
set -euo pipefail
build=$1 expected=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
for tool in dpkg-deb dpkg-shlibdeps file readelf; do
  command -v "$tool" >/dev/null || { echo "skipped: no $tool"; exit 77; }
done
rm -rf "$work"
mkdir -p "$work"
if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log"
  exit 1
fi
debs=("$work"/forkscope_*.deb)
[ ${#debs[@]} = 1 ] && [ -f "${debs[0]}" ] || { echo "cpack made no forkscope_*.deb:"; ls "$work"; exit 1; }
deb=${debs[0]}
fail=0

field() { dpkg-deb -f "$deb" "$1"; }
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[ "$(field Package)" = forkscope ] || { echo "Package: $(field Package)"; fail=1; }
[ -n "$version" ] && [ "$(field Version)" = "$version" ] || { echo "Version: $(field Version), want $version"; fail=1; }
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || { echo "Architecture: $(field Architecture)"; fail=1; }
[ -n "$(field Maintainer)" ] && [ -n "$(field Description)" ] || { echo "no Maintainer or Description"; fail=1; }

# Depends' package names, one a line (versions and alternatives' bars dropped).
depends=$(field Depends)
names=$(sed 's/ *([^)]*)//g; s/ *[|,] */\n/g' <<<"$depends")
for soname in $(readelf -d "$build/forkscope" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  # ldd's "soname => /path (...)", or "/path (...)" for the dynamic loader.
  path=$(ldd "$build/forkscope" | awk -v so="$soname" '
    $1 == so && $2 == "=>" { print $3; exit }
    $1 ~ /^\// { n = split($1, part, "/"); if (part[n] == so) { print $1; exit } }')
  owner=""
  if [ -n "$path" ]; then
    # usrmerge: dpkg may know the file as /lib/... or /usr/lib/...
    for p in "$path" "$(readlink -f "$path")" "/usr$path" "${path#/usr}"; do
      owner=$(dpkg -S "$p" 2>/dev/null | head -1 | sed 's/[:,].*//') && [ -n "$owner" ] && break
    done
  fi
  if [ -z "$owner" ]; then
    echo "$soname ($path) is in no Debian package: the .deb cannot depend on it"
    fail=1
  elif ! grep -qxF "$owner" <<<"$names"; then
    echo "Depends lacks $owner (for $soname): $depends"
    fail=1
  fi
done

# The regular files, as ./usr/... paths, against what the build made.
dpkg-deb -c "$deb" | awk '$1 ~ /^-/ { print $NF }' | sort >"$work/files"
{
  echo ./usr/bin/forkscope
  echo ./usr/share/forkscope/kernel.elf
  for elf in "$build"/guest/user/*.elf; do echo "./usr/share/forkscope/user/$(basename "$elf")"; done
  [ ! -f "$build/forkscope.1.gz" ] || echo ./usr/share/man/man1/forkscope.1.gz
} | sort >"$work/files.expected"
if ! diff "$work/files.expected" "$work/files" >"$work/files.diff"; then
  echo "the package's files differ (< missing, > extra):"
  grep '^[<>]' "$work/files.diff"
  fail=1
fi
[ $fail = 0 ] || { echo "--- dpkg-deb -I:"; dpkg-deb -I "$deb"; exit 1; }

dpkg-deb -x "$deb" "$work/root"
cd /
"$here/../check_console.sh" "$expected" 0 -- "$work/root/usr/bin/forkscope" run --quiet
