"""Tests for bankxl.masking (脱敏)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from bankxl.masking import mask_account, mask_id, mask_name, mask_phone


def test_mask_id():
    assert mask_id("34052419800101001X") == "340524********001X"
    assert mask_id(" 34052419800101001x ") == "340524********001X"
    assert mask_id("340524800101001") == "340524*****1001"
    assert mask_id("12345") == "*****"
    assert mask_id(None) is None
    out = mask_id(pd.Series(["34052419800101001X", None, "11010519491231002X"], index=[3, 1, 2]))
    assert out.tolist()[0] == "340524********001X" and out.iloc[1] is pd.NA
    assert out.index.tolist() == [3, 1, 2]
    assert str(out.dtype) == "string"


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "138****5678"
    assert mask_phone(13812345678) == "138****5678"
    assert mask_phone("0591-87654321") == "059*****4321"
    assert mask_phone("110") == "***"
    assert mask_phone(pd.Series([None, "13812345678"])).tolist() == [pd.NA, "138****5678"]


def test_mask_name():
    s = pd.Series(["张三", "张三丰", "欧阳娜娜", "欧阳锋", "欧阳", "张", None, "买买提·艾力", " 李四 "])
    assert mask_name(s).tolist() == ["张*", "张**", "欧阳**", "欧阳*", "欧*", "*", pd.NA, "买**·**", "李*"]
    assert mask_name("张三") == "张*"


def test_mask_account():
    assert mask_account("6222021234567891234") == "6222***********1234"
    assert mask_account("6222 0212 3456 7891 234") == "6222***********1234"
    assert mask_account("12345678") == "****5678"
    assert mask_account("123") == "**3"
    assert mask_account(None) is None


def test_empty_series():
    for f in (mask_id, mask_phone, mask_name, mask_account):
        assert f(pd.Series([], dtype=object)).tolist() == []
        assert f(pd.Series([None, None])).isna().all()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789X", min_size=11, max_size=20), min_size=1, max_size=20))
def test_mask_id_keeps_length_and_ends(values):
    out = mask_id(pd.Series(values))
    for v, m in zip(values, out):
        assert len(m) == len(v)
        assert m[:6] == v[:6] and m[-4:] == v[-4:]
        assert set(m[6:-4]) <= {"*"}
