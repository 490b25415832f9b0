#!/usr/bin/env bash
# The bash completion of hokanctl, loaded by the real bash-completion: it offers every
# command and option `hokanctl --help` names (so the two cannot drift apart), the values
# it knows, and category names from the daemon; when the daemon does not answer it offers
# none and prints nothing.
source "$(dirname "$0")/lib.sh"
COMPLETION=$(dirname "$0")/../../tools/hokanctl.bash-completion
[ -r /usr/share/bash-completion/bash_completion ] || { echo "bash-completion missing: run tools/install-deps" >&2; exit 1; }

# Prints what completing the last word of the command line offers, one per line.
complete_line() {  # words... (the last one is the word being completed, maybe "")
  bash -c '
    source /usr/share/bash-completion/bash_completion
    source "$1"
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="${COMP_WORDS[*]}"
    COMP_POINT=${#COMP_LINE}
    _hokanctl
    printf "%s\n" "${COMPREPLY[@]}"
  ' _ "$COMPLETION" "$@" 2>"$WORK/complete.err" | sort
}
offers() {  # what "expected words" words-of-the-command-line...
  local what=$1 expected=$2 w got
  shift 2
  got=$(complete_line "$@")
  for w in $expected; do
    grep -qxF -- "$w" <<<"$got" && pass || fail "$what: \"$w\" not offered for [$*], got [$(echo $got)]"
  done
}

# Everything --help names is offered at the top level or for its command.
usage=$("$HOKANCTL" --help)
commands=$(awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1}' <<<"$usage" | sort -u)
[ -n "$commands" ] && pass || fail "no commands found in hokanctl --help"
offers "commands of --help" "$commands" "$HOKANCTL" ''
for o in $(grep -o -- '--[a-z][a-z-]*' <<<"$usage" | sort -u); do
  grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" "$COMPLETION" && pass ||
    fail "option $o of hokanctl --help is not in the completion"
done
offers "global options" "--socket --config --help --version" "$HOKANCTL" --

offers "query options" "--purpose --since --until --category --host --app --user --ip --grep --regex
  --limit --reverse --format --count --follow" "$HOKANCTL" query --
offers "query formats" "table json csv raw" "$HOKANCTL" query --format ''
expect_eq "export formats" "$(printf 'csv\njson\nraw')" "$(complete_line "$HOKANCTL" export --format '')"
offers "subcommands" "place release list" "$HOKANCTL" hold ''
offers "subject find" "--user --ip --purpose --format" "$HOKANCTL" subject find --
offers "object get" "--purpose -o" "$HOKANCTL" object get cctv seg.ts -
offers "times" "now today yesterday -2h" "$HOKANCTL" query --since ''
expect_eq "no values guessed for --purpose" "" "$(complete_line "$HOKANCTL" query --purpose '')"

# Category names come from the daemon the command line names.
config=$(write_config <<'TOML'
[[category]]
name = "access"
retention = "365d"

[[category]]
name = "operation"
retention = "30d"

[[category]]
name = "cctv"
kind = "object"
retention = "30d"
TOML
)
start_hokand "$config"
categories=$("$HOKANCTL" --socket "$WORK/hokan.sock" categories)
expect_contains "the daemon names its categories" "cctv" "$categories"
expect_eq "categories from the daemon" "$(sort <<<"$categories")" \
  "$(complete_line "$HOKANCTL" --socket "$WORK/hokan.sock" query --category '')"
offers "object get category" "cctv" "$HOKANCTL" --socket "$WORK/hokan.sock" object get ''
expect_eq "and nothing printed" "" "$(cat "$WORK/complete.err")"
stop_hokand
expect_eq "daemon gone: no categories" "" "$(complete_line "$HOKANCTL" --socket "$WORK/hokan.sock" query --category '')"
expect_eq "daemon gone: nothing printed" "" "$(cat "$WORK/complete.err")"

# How the names are asked for: `hokanctl categories` with the same --socket, as a stand-in
# for hokanctl shows (the real command is checked above where it exists).
mkdir -p "$WORK/bin"
cat > "$WORK/bin/hokanctl" <<'SH'
#!/bin/sh
[ "$1 $2 $3" = "--socket /stand-in.sock categories" ] && printf 'access\nvault\n' && exit 0
echo "hokanctl: cannot reach hokand" >&2
exit 69
SH
chmod +x "$WORK/bin/hokanctl"
expect_eq "asks with the command line's --socket" "$(printf 'vault')" \
  "$(PATH=$WORK/bin:$PATH complete_line hokanctl --socket /stand-in.sock hold place x --category v)"
expect_eq "stand-in refusing: nothing" "" "$(PATH=$WORK/bin:$PATH complete_line hokanctl query --category '')"
expect_eq "stand-in refusing: nothing printed" "" "$(cat "$WORK/complete.err")"
finish
