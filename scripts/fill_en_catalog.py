"""Make the English catalog complete: English msgids are the English text (msgstr = msgid)."""
import sys

from babel.messages.pofile import read_po, write_po

path = sys.argv[1]
with open(path, "rb") as fh:
    catalog = read_po(fh, locale="en")
for message in catalog:
    if message.id:
        message.string = message.id
        message.flags.discard("fuzzy")
with open(path, "wb") as fh:
    write_po(fh, catalog, width=100, sort_output=True, omit_header=False)
