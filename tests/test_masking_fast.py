"""Masking at scale (issue 16 item 3): mask_id / mask_phone / mask_name star text in one numpy pass over a code-point
matrix and mask_phone skips its regex passes on 11 plain digits; text the numpy pass cannot hold exactly (over 64
characters, a NUL, head + tail longer than the text) takes the per-pattern slices. Both paths must give what the
documented rule gives: checked against a plain-Python reading of the rule (second method) and values by hand."""
from __future__ import annotations

import pandas as pd

from bankxl import masking
from bankxl.masking import COMPOUND_SURNAMES, MASK_CHAR


def _s(v):
    return pd.Series(v, dtype="string")


def _rule(text, head, tail, keep=""):
    """The documented rule, one value at a time: first ``head`` and last ``tail`` characters kept, the rest starred,
    separators in ``keep`` kept."""
    return "".join(c if (i < head or i >= len(text) - tail or c in keep) else MASK_CHAR for i, c in enumerate(text))


def test_mask_name_by_hand_and_by_the_rule():
    names = ["张三", "欧阳娜娜", "买买提·艾力", "张", "司马懿", "李" * 70, "阿依古丽 买买提", "张三\x00", "・张・", "Tom"]
    got = masking.mask_name(_s(names + [None, "  "])).tolist()
    assert got[:5] == ["张*", "欧阳**", "买**·**", "*", "司马*"]
    assert got[5] == "李" + "*" * 69 and got[6] == "阿*** ***" and got[-2:] == [pd.NA, pd.NA]
    for name, masked in zip(names, got):
        keep = 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else (1 if len(name) >= 2 else 0)
        assert masked == _rule(name, keep, 0, "·•・ "), name


def test_mask_phone_and_id_by_hand_and_by_the_rule():
    phones = ["13812345678", "+86 138-1234-5678", "0591-87654321", "1234", "１３８１２３４５６７８", "13812345678\x00"]
    got = masking.mask_phone(_s(phones + [None])).tolist()
    assert got == ["138****5678", "138****5678", "059*****4321", "****", "138****5678", "138****5678", pd.NA]
    ids = ["34052419800101001X", "340524800101001", "abc", "3" * 80]
    got = masking.mask_id(_s(ids)).tolist()
    assert got[:3] == ["340524********001X", "340524*****1001", "***"]
    assert got[3] == _rule("3" * 80, 6, 4)  # over 64 characters: the slicing path, same rule


def test_a_sample_bank_is_masked_as_the_rule_says():
    """Every name, phone and ID of a 2,000-customer sample bank: the masked value equals the rule applied in Python."""
    from bankxl.sample import make_sample_bank
    c = make_sample_bank(2000, seed=3)["customers"]
    for col, fn, head, tail in (("phone", masking.mask_phone, 3, 4), ("id_no", masking.mask_id, 6, 4)):
        got = fn(c[col])
        for v, m in zip(c[col], got):
            if v is pd.NA:
                assert m is pd.NA
            else:
                assert m == _rule(v, head, tail), v
    got = masking.mask_name(c["cust_name"])
    for v, m in zip(c["cust_name"], got):
        assert m == _rule(v, 2 if len(v) >= 3 and v[:2] in COMPOUND_SURNAMES else 1, 0, "·•・ "), v
