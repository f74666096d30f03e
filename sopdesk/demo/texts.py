"""The words of the demo data: names, shops, products, carriers and what customers write.

Contacts are chosen by the words of a category's slug and title, so any desk gets fitting ones.
"""

from __future__ import annotations

import random
from typing import Any

FIRST_NAMES = [
    "Maya", "Liam", "Sofia", "Noah", "Amara", "Ethan", "Priya", "Lucas", "Hana", "Mateo",
    "Chloe", "Omar", "Zoe", "Kenji", "Grace", "Diego", "Nora", "Samuel", "Leila", "Jonas",
    "Aisha", "Felix", "Ines", "Marcus", "Yuki", "Elena", "Tariq", "Freya", "Caleb", "Rosa",
]  # fmt: skip
LAST_NAMES = [
    "Nguyen", "Garcia", "Okafor", "Schmidt", "Patel", "Johnson", "Kowalski", "Tanaka", "Silva",
    "Brown", "Haddad", "Martin", "Larsen", "Rossi", "Kim", "Walker", "Dubois", "Moreno", "Singh",
    "Fischer", "Oyelaran", "Murphy", "Cohen", "Novak", "Reyes",
]  # fmt: skip
STREETS = [
    "Main St, Springfield, IL 62701", "Oak Avenue, Austin, TX 78701",
    "Maple Drive, Portland, OR 97201", "Elm Street, Columbus, OH 43004",
    "Harbor Blvd, San Diego, CA 92101", "Pine Road, Raleigh, NC 27601",
    "Queen St W, Toronto, ON M5H 2M9", "High Street, Bristol BS1 2AA",
]  # fmt: skip
# slug, name, e-mail, country
PARTNERS = [
    ("northside-breaks", "Northside Breaks", "support@northsidebreaks.example", "US"),
    ("golden-pack", "Golden Pack Cards", "help@goldenpack.example", "US"),
    ("cardinal-collectibles", "Cardinal Collectibles", "cs@cardinal.example", "US"),
    ("maple-hobby", "Maple Leaf Hobby", "orders@maplehobby.example", "CA"),
]
# sku, name, value
PRODUCTS = [
    ("TC-CHR-HOBBY", "2025 Chrome Baseball Hobby Box", "289.99"),
    ("TC-PRZ-BLST", "Prizm Basketball Blaster Box", "39.99"),
    ("TC-BRK-SPOT", "Live break spot: Team Yankees", "74.00"),
    ("TC-PSA10-RK", "PSA 10 Rookie Card (graded slab)", "450.00"),
    ("TC-AUTO-PATCH", "Rookie Patch Autograph /99", "1250.00"),
    ("SUP-TOPLOAD", "Toploaders, pack of 25", "6.49"),
    ("SUP-SLEEVE", "Penny sleeves, pack of 100", "2.99"),
    ("GC-50", "Gift card $50", "50.00"),
    ("SK-SERUM-30", "Vitamin C Serum 30 ml", "42.00"),
    ("SK-MOIST-50", "Daily Moisturiser 50 ml", "28.00"),
]
CARRIERS = {"US": ["USPS", "UPS", "FedEx"], "INTL": ["DHL", "UPS", "USPS", "FedEx"]}

# (words that pick the template, [(subject, body), ...]); {item} and {order} are filled in.
TEMPLATES: list[tuple[tuple[str, ...], list[tuple[str, str]]]] = [
    (("damag",), [
        ("Item arrived damaged", "My {item} from order {order} arrived today with a crushed "
         "corner and a cracked case. I've attached photos. Can you replace it?"),
        ("Broken on arrival", "The box was dented and the {item} inside is damaged. What now?"),
    ]),
    (("defect",), [
        ("Defective item", "The {item} (order {order}) doesn't work as it should. Refund please?"),
    ]),
    (("missing", "incomplete"), [
        ("Missing item in my order", "Order {order} arrived but the {item} wasn't in the "
         "package. I watched the break live and it was pulled for my spot."),
        ("Incomplete order", "I only received part of order {order}; the {item} is missing."),
    ]),
    (("dnr", "not-received", "not received", "lost"), [
        ("Marked delivered but not received", "Tracking for order {order} says delivered three "
         "days ago, but nothing came. I checked with neighbours and the mailroom."),
        ("Package lost in transit?", "My order {order} hasn't moved in tracking for 9 days."),
    ]),
    (("cancel",), [("Please cancel my order", "I ordered by mistake, please cancel {order}.")]),
    (("address", "change"), [
        ("Wrong shipping address", "I moved last week. Can you update the address on {order}?"),
    ]),
    (("status", "sla", "processing", "shipping", "tracking", "label", "backorder"), [
        ("Where is my order?", "Order {order} was placed two weeks ago and I have no tracking "
         "yet. When will the {item} ship?"),
        ("Tracking number doesn't work", "The tracking number for {order} isn't found on the "
         "carrier's website."),
    ]),
    (("intl", "international"), [
        ("Customs fees on my order", "I was asked to pay import duties for {order}. Is that "
         "right? Nobody told me at checkout."),
    ]),
    (("refund", "return", "exchange"), [
        ("Return and refund", "I'd like to return the {item} from {order}. How do I get a label?"),
    ]),
    (("gift",), [("Gift card balance", "How much is left on my gift card? It was a present.")]),
    (("promo", "discount"), [
        ("Promo code not applied", "My code SPRING15 wasn't applied to {order} at checkout."),
    ]),
    (("point", "reward"), [
        ("Missing reward points", "I didn't get points for {order}. Can you add them?"),
    ]),
    (("spam",), [("YOU WON a FREE gift!!!", "Click here to claim your prize: hxxp://bad.example")]),
    (("fraud", "chargeback", "stolen"), [
        ("Chargeback notice", "My bank says there is a dispute on {order}. I didn't open one."),
    ]),
    (("proof",), [
        ("Proof of purchase", "You asked for proof of purchase for {item}; receipt attached."),
    ]),
    (("reaction", "allerg"), [
        ("Reaction after using product", "After using the {item} my skin came up red and "
         "itchy. I've stopped using it. What's in it?"),
    ]),
    (("injur", "legal", "foreign"), [
        ("Found something in the product", "There was a small piece of plastic in the {item}."),
    ]),
    (("wholesale", "reseller"), [
        ("Wholesale pricing", "We run two hobby shops and would like to stock your products."),
    ]),
    (("account", "login", "merge", "website", "platform"), [
        ("Can't log in", "The password reset e-mail never arrives. Can you help me get in?"),
        ("Two accounts", "I seem to have two accounts; can you merge them into one?"),
    ]),
]  # fmt: skip


def contact_choices(category: Any) -> list[tuple[str, str]]:
    """The subjects and bodies (with {item} and {order} to fill) a customer might write about
    `category` (any object with a slug and maybe a title), by the words of its slug and title."""
    words = ""
    if category is not None:
        words = f"{category.slug} {getattr(category, 'title', '')}".lower()
    for keys, choices in TEMPLATES:
        if any(key in words for key in keys):
            return list(choices)
    title = str(getattr(category, "title", None) or "my order").lower()
    return [
        (f"Question about {title}", f"Hello, I have a question about {title} regarding {{item}}.")
    ]


def contact_for(
    rng: random.Random, category: Any, item: str, order_ref: str | None
) -> tuple[str, str]:
    """A subject and body a customer might write about `category`, filled in."""
    subject, body = rng.choice(contact_choices(category))
    order = order_ref or "my last order"
    return subject, "Hi,\n\n" + body.format(item=item, order=order)
