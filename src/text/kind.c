/* kind.c — what kind of text a sample is: a caption, a response (to a
 * context) or plain text. Declared on its batch (import --kind), else told
 * by the name of the field it came from and whether it answers a context.
 * The scorers' rules and the --where language's `kind` read it here. */
#include <string.h>
#include <strings.h>

#include "assay/common.h"
#include "assay/text.h"

bool text_caption_field(const char *field)
{
	static const char *const names[] = {"caption",	     "captions",      "alt",
					    "alt_text",	     "alttext",	      "description",
					    "dense_caption", "short_caption", "long_caption"};
	if (!field || !*field)
		return true;
	const char *last = strrchr(field, '.');
	last = last ? last + 1 : field;
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(names); i++)
		if (strcasecmp(last, names[i]) == 0)
			return true;
	return false;
}

const char *text_kind(const char *declared, const char *text_field, bool has_context)
{
	static const char *const kinds[] = {"caption", "response", "text"};
	for (size_t i = 0; declared && i < ASSAY_ARRAY_LEN(kinds); i++)
		if (strcmp(declared, kinds[i]) == 0)
			return kinds[i];
	if (text_caption_field(text_field))
		return kinds[0];
	return has_context ? kinds[1] : kinds[2];
}
