"""Report model value semantics: two reports built the same way compare equal (the contract's determinism
check relies on it), including conditional formats limited to some rows."""
import pandas as pd

from bankxl.report import Conditional


def test_conditional_rows_compare_by_value():
    big = pd.Series([True, False, True])
    a = Conditional(["rate"], kind="color_scale", rows=big)
    assert a == Conditional(["rate"], kind="color_scale", rows=big.copy())
    assert a != Conditional(["rate"], kind="color_scale", rows=pd.Series([True, True, True]))
    assert a != Conditional(["rate"], kind="color_scale")
    assert Conditional(["x"], rows=[True, False]) == Conditional(["x"], rows=(True, False))
    assert Conditional(["x"]) == Conditional(["x"]) and Conditional(["x"]) != Conditional(["y"])
