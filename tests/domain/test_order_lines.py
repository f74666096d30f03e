"""Re-imported order lines pair up with the stored ones by SKU and variant."""

from __future__ import annotations

from sopdesk.domain.case_items import line_key, match_lines


def test_lines_pair_by_sku_and_variant_in_order() -> None:
    old = [line_key("TL-25", None), line_key("PRZ-136", "Silver"), line_key("PRZ-136", "Silver")]
    new = [
        line_key(" prz-136 ", "silver"),
        line_key("NEW-1", None),
        line_key("PRZ-136", "Silver"),
        line_key("PRZ-136", "Silver"),
    ]
    assert match_lines(old, new) == [1, None, 2, None]


def test_a_different_variant_is_a_different_line() -> None:
    assert match_lines([line_key("TEE", "M")], [line_key("TEE", "L")]) == [None]
    assert match_lines([], [line_key("TEE", None)]) == [None]
