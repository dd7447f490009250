"""The first screen of the HTML report: the what-broke block (``id="what-broke"``).

Rendered from :func:`harness.reporting.what_broke.what_broke`, so it lists exactly what the
console lists, in the same order: new failures, other failures, broken, warnings; known
deviations apart, marked *known*; one sentence when nothing broke.
"""

from __future__ import annotations

from html import escape

from harness.reporting.what_broke import GROUP_TITLES, GROUPS, Item, WhatBroke, headline


def anchor(check_id: str) -> str:
    """The id of a check's details element in the report."""
    return "check-" + "".join(c if c.isalnum() else "-" for c in check_id)


def _same_cause(item: Item) -> str:
    """A further check of a cause already shown in full just above: one short line."""
    return (f'<li class="wb-item wb-same-cause wb-{escape(item.group)}" data-check="{escape(item.check)}" '
            f'data-group="{escape(item.group)}"><span class="badge b-{escape(item.outcome)}">{escape(item.outcome)}'
            f'</span> <a class="wb-link" href="#{anchor(item.check)}"><b>{escape(item.title or item.check)}</b></a> '
            f"<small>{escape(item.check)}</small> — same cause as above</li>")


def _items(items: list[Item]) -> str:
    """The items of one group; a cause seen in several checks is shown in full once, then one line per check."""
    shown: set[str] = set()
    parts = []
    for item in items:
        if item.cause and item.seen_in > 1 and item.cause in shown:
            parts.append(_same_cause(item))
        else:
            parts.append(_item(item))
            shown.add(item.cause)
    return "".join(parts)


def _item(item: Item) -> str:
    known = item.group == "known"
    label = "known" if known else item.outcome
    review = item.group == "review"
    requirement = ""
    if item.requirement:
        link = (f'<a href="{escape(item.requirement_url)}">{escape(item.requirement)}</a>'
                if item.requirement_url else escape(item.requirement))
        sentence = f' <q class="sentence">{escape(item.requirement_text)}</q>' if item.requirement_text else ""
        requirement = f'<div class="wb-req">{link}{sentence}</div>'
    values = ""
    if (item.expected or item.actual) and not known:
        values = (f'<div class="wb-values">expected <code>{escape(item.expected)}</code>, '
                  f'got <code>{escape(item.actual)}</code></div>')
    cause = ""
    if item.cause and item.seen_in > 1:
        cause = f' <span class="wb-cause">cause <code>{escape(item.cause)}</code>, seen in {item.seen_in} checks</span>'
    elif item.cause:
        cause = f' <span class="wb-cause">cause <code>{escape(item.cause)}</code>, seen in 1 check</span>'
    more = f" (+{item.more_findings} more finding(s))" if item.more_findings > 0 else ""
    reason = f'<div class="wb-known">known deviation: {escape(item.reason)}</div>' if known else ""
    rerun = ("" if known or review else
             f'<div class="wb-rerun">rerun: <code class="copy">{escape(item.rerun)}</code></div>')
    return (f'<li class="wb-item wb-{escape(item.group)}" data-check="{escape(item.check)}" '
            f'data-group="{escape(item.group)}"><span class="badge b-{escape(label)}">{escape(label)}</span> '
            f'<a class="wb-link" href="#{anchor(item.check)}"><b>{escape(item.title or item.check)}</b></a> '
            f"<small>{escape(item.check)}</small>{cause}"
            f'<div class="wb-msg">{escape(item.message[:400])}{more}</div>{requirement}{values}{reason}{rerun}</li>')


def render_what_broke(block: WhatBroke) -> str:
    """The ``<section id="what-broke">`` element."""
    if block.all_passed:
        body = f'<p class="wb-clean">{escape(headline(block))}</p>'
    else:
        body = f'<p class="wb-headline">{escape(headline(block))}</p>'
        if not block.group("new") and block.baseline is None:
            body += ("<p><small>No baseline (no earlier run of this target in the history file, no "
                     "<code>--baseline</code>): new failures cannot be told apart yet.</small></p>")
        for name in GROUPS:
            items = block.group(name)
            if not items:
                continue
            title = GROUP_TITLES[name]
            if name == "new" and block.baseline:
                title += f" — {block.baseline}"
            body += (f'<h3 class="wb-group" data-group="{name}">{escape(title)} ({len(items)})</h3>'
                     f'<ol class="wb-list">{_items(items)}</ol>')
    if block.known:
        body += (f'<details class="wb-known-list"><summary>{escape(GROUP_TITLES["known"])}: {len(block.known)}'
                 f'</summary><ol class="wb-list">{"".join(_item(i) for i in block.known)}</ol></details>')
    if block.review:
        body += (f'<details class="wb-review-list"><summary>{escape(GROUP_TITLES["review"])}: {len(block.review)}'
                 f'</summary><ol class="wb-list">{"".join(_item(i) for i in block.review)}</ol></details>')
    return f'<section id="what-broke"><h2>What broke</h2>{body}</section>'
