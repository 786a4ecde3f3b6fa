import click


@click.command("demo")
def command() -> None:
    raise click.ClickException("not yet")
