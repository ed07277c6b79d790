from subsidy.cli import app

app()
