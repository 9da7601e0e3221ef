# Helpers for the bench scripts that read the guest's RESULT lines
# ("RESULT label=kprobe-r1 attach_ms=174 ..."): prepended to their awk
# programs (bench/vm.sh, bench/kprobe_multi.sh).

# v(LINE, KEY): the value of KEY= in a RESULT line, "" when absent.
function v(line, key,   i, n, f) {
	n = split(line, f, " ")
	for (i = 2; i <= n; i++) if (index(f[i], key "=") == 1) return substr(f[i], length(key) + 2)
	return ""
}
# med(LIST): the median of a blank-separated list of numbers, "" for none.
function med(list,   a, n, i, j, t) {
	n = split(list, a, " ")
	if (!n) return ""
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
