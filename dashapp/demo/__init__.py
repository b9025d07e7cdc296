"""A deterministic, realistic B2B SaaS book of business for demos, tests and benchmarks.

`plan.plan_book` draws the accounts, `book.generate_block` their activity block by block (`book.generate`
for a whole small book in memory), `tables` formats frames as COPY rows and `loader.load` writes them.
"""
