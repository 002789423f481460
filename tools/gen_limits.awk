# Generates famlink_field_rules[] (daemon/wire/field_rules.h) from the trailing
# comment annotations of proto/famlink.proto. Fails the build when a string
# or bytes field has no "max N" (every such field must be bounded), when a
# field has more than one kind (id, msgid, nodeid, date, email, phone,
# freetext), or when a kind is given to a field that is not a string.
#
# An annotation is a word of its own in the comment: at the start or after
# a space or ";", and followed by a space, ";", "(" or the end.
function has(note, word) {
	return note ~ ("(^|[ ;])" word "([ ;(]|$)")
}
BEGIN {
	pkg = ""; depth = 0; bad = 0
	print "/* Generated from proto/famlink.proto by tools/gen_limits.awk. Do not edit. */"
	print "#include \"field_rules.h\""
	print "const field_rule_t famlink_field_rules[] = {"
}
/^package / { pkg = $2; sub(/;$/, "", pkg) }
/^[ \t]*message[ \t]+[A-Za-z0-9_]+[ \t]*\{/ {
	name = $0; sub(/^[ \t]*message[ \t]+/, "", name); sub(/[ \t]*\{.*/, "", name)
	stack[++depth] = name; kind[depth] = "message"; next
}
/^[ \t]*(enum|oneof)[ \t]+[A-Za-z0-9_]+[ \t]*\{/ { stack[++depth] = ""; kind[depth] = "other"; next }
/^[ \t]*\}/ { if (depth > 0) depth--; next }
depth > 0 && /=[ \t]*[0-9]+[ \t]*;/ {
	# Find the enclosing message (a oneof sits inside one).
	msg = ""
	for (i = depth; i > 0; i--) if (kind[i] == "message") { msg = stack[i]; break }
	if (msg == "") next
	decl = $0; sub(/[ \t]*\/\/.*/, "", decl); sub(/^[ \t]*/, "", decl)
	n = split(decl, w, /[ \t]+/)
	if (w[1] == "repeated") { type = w[2]; field = w[3] } else { type = w[1]; field = w[2] }
	note = ""
	if (index($0, "//")) { note = substr($0, index($0, "//") + 2) }
	flags = "0"; max = 0; kinds = 0
	if (has(note, "required")) flags = flags "|FIELD_REQUIRED"
	# The kinds of string: at most one per field.
	if (has(note, "freetext")) { flags = flags "|FIELD_FREETEXT"; kinds++ }
	if (has(note, "date")) { flags = flags "|FIELD_DATE"; kinds++ }
	if (has(note, "nodeid")) { flags = flags "|FIELD_NODEID"; kinds++ }
	if (has(note, "id")) { flags = flags "|FIELD_ID"; kinds++ }
	if (has(note, "msgid")) { flags = flags "|FIELD_MSGID"; kinds++ }
	if (has(note, "email")) { flags = flags "|FIELD_EMAIL"; kinds++ }
	if (has(note, "phone")) { flags = flags "|FIELD_PHONE"; kinds++ }
	# Modifiers of plain text.
	if (has(note, "caseref")) { flags = flags "|FIELD_CASEREF"; mods = 1 } else mods = 0
	if (has(note, "machine")) { flags = flags "|FIELD_MACHINE"; mods = 1 }
	if (kinds > 1) {
		printf("proto/famlink.proto:%d: %s.%s has more than one kind of string\n", NR, msg, field) > "/dev/stderr"
		bad = 1
	}
	if ((kinds > 0 || mods) && type != "string") {
		printf("proto/famlink.proto:%d: %s.%s is not a string but has a string annotation\n", NR, msg, field) > "/dev/stderr"
		bad = 1
	}
	if (match(note, /max[ \t]+[0-9]+/)) { m = substr(note, RSTART, RLENGTH); sub(/max[ \t]+/, "", m); max = m }
	if ((type == "string" || type == "bytes") && max == 0) {
		printf("proto/famlink.proto:%d: %s.%s has no \"max N\"\n", NR, msg, field) > "/dev/stderr"
		bad = 1
	}
	printf("\t{\"%s.%s\", \"%s\", %s, %d},\n", pkg, msg, field, flags, max)
}
END {
	print "\t{NULL, NULL, 0, 0},"
	print "};"
	if (bad) exit 1
}
