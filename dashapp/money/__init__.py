"""Money: FX reference rates (ECB format), and converting every aggregate to the reporting currency."""

from dashapp.money.convert import Money, convert_sql, rate_on

__all__ = ["Money", "convert_sql", "rate_on"]
