"""`details`: the `<summary>` of each `<details>` block (Markdown inside a summary is read too). Pure."""

import html.parser

from pipeline.external.blocks import inline_text, parser, walk_sections
from pipeline.external.clean import Item, make_item, numbered


class _Summaries(html.parser.HTMLParser):
    """Collect the text of every <summary> element of an HTML fragment, with its line within the fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.summaries, self.depth, self.parts, self.links, self.line = [], 0, [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "summary":
            self.depth, self.parts, self.links, self.line = self.depth + 1, [], [], self.getpos()[0]
        elif tag == "a" and self.depth and dict(attrs).get("href", "#")[:1] not in ("#", ""):
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag == "summary" and self.depth:
            self.depth -= 1
            self.summaries.append(("".join(self.parts), self.links, self.line))

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def read(tokens, options: dict) -> tuple[list[Item], list[str]]:
    items, markdown = [], parser()
    for _index, token, section in walk_sections(tokens, options.get("sections")):
        if token.type == "html_block" and "<summary" in token.content.lower():
            summaries = _Summaries()
            summaries.feed(token.content)
            summaries.close()
            for text, links, line in summaries.summaries:
                inline = markdown.parseInline(" ".join(text.split()))  # Markdown written inside the summary (`_emphasis_`, links)
                text, more, _ = inline_text(inline[0], raw=True) if inline else ("", [], False)
                number, body = numbered(text)
                if body:
                    items.append(make_item(section, number, body, token.map[0] + line, links + more))
    return items, []
