"""Command-line tools: `flask --app app <group> <command>`."""


def register(app):
    """Attach every command group to the app."""
    from app.cli.access import access_cli
    from app.cli.admin import admin_cli
    from app.cli.cards import cards_cli
    from app.cli.coupons import coupons_cli
    from app.cli.courses import courses_cli, seed_demo_command
    from app.cli.errors import guard_commands
    from app.cli.lessons import lessons_cli, restore
    from app.cli.mail import mail_cli
    from app.cli.orders import orders_cli
    from app.cli.purchases import purchases_cli
    from app.cli.stripe_check import stripe_cli
    from app.cli.throttle import throttle_cli
    from app.cli.worker import worker_command

    for command in (lessons_cli, restore):
        courses_cli.add_command(command)
    for command in (courses_cli, seed_demo_command, stripe_cli, orders_cli, admin_cli,
                    purchases_cli, mail_cli, access_cli, throttle_cli, cards_cli,
                    coupons_cli, worker_command):
        app.cli.add_command(command)
    guard_commands(app.cli)  # a database never set up: one line, for every command
