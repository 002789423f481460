# gen_templates.awk — the mail templates shipped in templates/LANG/EVENT.txt
# as C strings, so that famlinkd has them built in (the email adapter uses
# them when its config names no templates folder, and for any file a
# folder lacks). Run by the Makefile:
#   gawk -f tools/gen_templates.awk templates/*/*.txt > build/gen/email_templates.c
# Each line becomes a C string piece; backslashes and quotes are escaped,
# UTF-8 passes through as it is.

function close_entry() {
	if (open)
		printf "\t},\n"
	open = 0
}

BEGIN {
	print "/* Generated from templates/ by tools/gen_templates.awk: do not edit. */"
	print "#include <stddef.h>"
	print ""
	print "#include \"email_template.h\""
	print ""
	print "const email_builtin_t email_builtin[] = {"
}

FNR == 1 {
	close_entry()
	n = split(FILENAME, part, "/")
	lang = part[n - 1]
	event = part[n]
	sub(/\.txt$/, "", event)
	printf "\t{ \"%s\", \"%s\",\n", lang, event
	open = 1
}

{
	line = $0
	gsub(/\\/, "\\\\", line)
	gsub(/"/, "\\\"", line)
	printf "\t    \"%s\\n\"\n", line
}

END {
	close_entry()
	print "\t{ NULL, NULL, NULL },"
	print "};"
}
