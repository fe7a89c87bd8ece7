# Sourced by scripts/record-golden and tests/golden/golden_check.sh: reads a line of scenarios.txt
# (the format is described at its top) without handing it to the shell. Nothing in the file is
# run or expanded but the one word prefix $golden.

# scenario_words DIR LINE: the words of LINE after its first (the scenario's name) into the array
# `args`, each `$golden` at the start of a word replaced by DIR. Returns 1 (and says why) for a
# line it cannot read: an unclosed double quote, a quote inside a word.
scenario_words() {
  local rest=$2 dir=$1 w
  local quoted='^"([^"]*)"([[:space:]]+|$)(.*)$' plain='^([^"[:space:]]+)([[:space:]]+|$)(.*)$'
  args=()
  rest=${rest#"${rest%%[![:space:]]*}"}
  rest=${rest#"${rest%%[[:space:]]*}"}  # the name
  rest=${rest#"${rest%%[![:space:]]*}"}
  while [ -n "$rest" ]; do
    if [[ $rest =~ $quoted ]] || [[ $rest =~ $plain ]]; then
      w=${BASH_REMATCH[1]} rest=${BASH_REMATCH[3]}
      [[ $w == '$golden'* ]] && w=$dir${w#'$golden'}
      args+=("$w")
    else
      echo "scenarios.txt: cannot read the words of: $2 (at: $rest)" >&2
      return 1
    fi
  done
}
