"""Every mail Licensor sends, rendered from a template: a text part and an HTML part.

`render_mail("order_fulfilled", order=..., ...)` renders templates/mail/order_fulfilled.txt
(whose `subject` block is the subject) and templates/mail/order_fulfilled.html. The templates
are data: the capabilities pass what happened, the templates say it in words, so core knows no
capability. Both parts get the vendor's name and contact (the installation's settings), and
the text part is wrapped to 72 columns, so no mail client re-flows it; the License Key stays
on a line of its own (it must be copied whole), and the HTML part shows the License
Information as a preformatted block. HTML is autoescaped (a License Name is the buyer's text)
and styled inline only (the brand's accent colour), with no image: mail clients drop style
sheets and remote images.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from licensor.core.formats import install_filters

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "mail"
WIDTH = 72


def wrap(text: str, width: int = WIDTH) -> str:
    """Each paragraph (blank-line separated) filled to `width`; a single word longer than the
    line (an address, a link) is left whole rather than broken."""
    paragraphs = [p for p in str(text).split("\n\n")]
    return "\n\n".join("\n".join(textwrap.fill(line, width, break_long_words=False,
                                                break_on_hyphens=False) if line else ""
                                 for line in p.split("\n")) for p in paragraphs)


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True,
                      undefined=StrictUndefined)
    install_filters(env)  # money, date, time: core/formats, as on pages and documents
    env.filters["wrap"] = wrap
    return env


env = _environment()

# The seller named in every mail; set from the settings when a Context is built (one
# installation per process), overridable per call with vendor_name/vendor_contact.
_vendor: dict[str, str] = {"vendor_name": "Licensor", "vendor_contact": "",
                           "public_url": "http://127.0.0.1:8000", "brand_color": "#1457c4"}


def configure(vendor_name: str, vendor_contact: str, public_url: str,
              brand_color: str = "#1457c4") -> None:
    """The brand's name and accent colour and the vendor's contact, in every mail."""
    _vendor.update(vendor_name=vendor_name, vendor_contact=vendor_contact,
                   public_url=public_url.rstrip("/"), brand_color=brand_color)


def render_mail(template: str, **context: Any) -> tuple[str, str, str]:
    """(subject, text, html) of templates/mail/<template>.txt and .html."""
    values = {**_vendor, "greeting_name": "", "license_information": None, **context}
    text_template = env.get_template(f"{template}.txt")
    subject = "".join(text_template.blocks["subject"](text_template.new_context(values)))
    subject = " ".join(subject.split())
    text = text_template.render(values).strip() + "\n"
    html = env.get_template(f"{template}.html").render({**values, "subject": subject})
    return subject, text, html
