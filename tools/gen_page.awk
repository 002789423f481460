# gen_page.awk — the monitoring endpoint's dashboard (daemon/monitor/
# dashboard.html) as one C string, so that famlinkd serves it built in
# (monitor_routes.c, the route /). Run by the Makefile:
#   gawk -f tools/gen_page.awk daemon/monitor/dashboard.html > build/gen/monitor_page.c
# Each line becomes a C string piece; backslashes and quotes are escaped,
# UTF-8 passes through as it is.

BEGIN {
	print "/* Generated from daemon/monitor/dashboard.html by tools/gen_page.awk: do not edit. */"
	print "const char monitor_page_html[] ="
}

{
	line = $0
	gsub(/\\/, "\\\\", line)
	gsub(/"/, "\\\"", line)
	gsub(/\?\?/, "?\\?", line)   # no trigraphs
	printf "    \"%s\\n\"\n", line
}

END {
	print "    ;"
}
