"""Domain core for analysis (cohorts, churn, forecasts): plain functions over rows and DataFrames."""
