#!/usr/bin/zsh -f
# zcomplete.zsh DIR LINE: what zsh's completion system offers when TAB is
# pressed at the end of LINE, one candidate a line, with DIR first in
# $fpath.  An interactive zsh runs on a pseudo-terminal (zsh/zpty) with
# compinit; compadd is wrapped to print what each completer adds.
zmodload zsh/zpty zsh/datetime

# wait_for PATTERN: read the terminal into $out until PATTERN shows (5 s).
wait_for() {
	local line deadline=$((EPOCHREALTIME + 5))
	out=
	while ((EPOCHREALTIME < deadline)); do
		if zpty -r -t z line; then
			out+=$line
			[[ $out == *$1* ]] && return 0
		else
			sleep 0.02
		fi
	done
	return 1
}

zpty z zsh -f -i
zpty -w z "PS1=''; fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -u -D"
# -O/-A/-D only fill arrays (no candidates shown): pass those through.
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
	builtin compadd "$@"; return; fi; local -a hits; local h
	builtin compadd -A hits "$@"; for h in $hits; do print -r -- "<C>$h</C>"; done
	builtin compadd "$@"; }'
# Quoted apart so that the echoed command does not match its own marker.
zpty -w z "bindkey '^I' complete-word; print '<RE''ADY>'"
wait_for '<READY>' || { print -u2 "zcomplete: zsh did not start"; exit 1; }
# Typed only now: zsh drops what was typed ahead of its line editor.  ^U
# then clears the line; zle handles keys in order, so the marker comes
# after the completion's output.
zpty -w -n z "$2"$'\t'
zpty -w -n z $'\x15print "<E""ND>"\n'
wait_for '<END>' || { print -u2 "zcomplete: no answer to TAB"; exit 1; }
print -r -- $out | grep -ao '<C>[^<]*</C>' | sed 's/^<C>//; s/<\/C>$//'
zpty -d z
