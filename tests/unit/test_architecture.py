"""The layout rules the README states, read from the code itself: no import cycles
between packages, Stripe only in app/payments, an order's state only in app/orders."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"


def _modules():
    for path in sorted(APP.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _package_of(path):
    """app/orders/lifecycle.py -> "app.orders"; app/money.py -> "app.money"."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts[:2])


def _imported(tree):
    """Every module named by an import anywhere in the file (inside functions too)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _graph():
    """Package -> packages it imports (only packages and modules of app/)."""
    packages = {_package_of(path) for path in APP.rglob("*.py")}
    graph = {package: set() for package in packages}
    for path, tree in _modules():
        source = _package_of(path)
        if source == "app":
            continue  # the factory wires every package together
        for name in _imported(tree):
            target = ".".join(name.split(".")[:2])
            if target in packages and target not in (source, "app"):
                graph[source].add(target)
    return graph


def _cycles(graph):
    """Strongly connected components with more than one package (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_package_imports_itself_through_another():
    """No import cycles between the packages of app/, counting imports in functions."""
    assert _cycles(_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    """The check above can fail: a made-up graph with a cycle is reported."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_only_app_payments_imports_stripe():
    offenders = [str(path.relative_to(ROOT)) for path, tree in _modules()
                 if any(n == "stripe" or n.startswith("stripe.") for n in _imported(tree))
                 and _package_of(path) != "app.payments"]
    assert offenders == []


def _outside_orders():
    for path, tree in _modules():
        if _package_of(path) not in ("app.orders", "app.models"):
            yield path, tree


def test_nothing_outside_app_orders_reaches_into_its_modules():
    """Other packages use the names app/orders/__init__.py exports; fulfilment (access
    and the order emails for orders) is private to the lifecycle."""
    offenders = []
    for path, tree in _outside_orders():
        for name in _imported(tree):
            if name.startswith("app.orders.") and name.count(".") >= 2:
                module = name.split(".")[2]
                if (APP / "orders" / f"{module}.py").exists():
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
            if name.startswith("app.fulfilment"):
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def _status_writes(tree):
    """Lines that assign `<something>.status` where the something is an order, call
    `.transition(…)`, or queue an order's email."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (isinstance(target, ast.Attribute) and target.attr == "status"
                        and "order" in ast.unparse(target.value).lower()):
                    yield node.lineno, ast.unparse(target)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "transition":
            yield node.lineno, ast.unparse(node.func)
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("enqueue"):
            for keyword in node.keywords:
                if keyword.arg == "kind" and isinstance(keyword.value, ast.Constant) \
                        and keyword.value.value in ("order_confirmation", "refund_notice",
                                                 "sale_notice", "seller_refund_notice"):
                    yield node.lineno, f"enqueue(kind={keyword.value.value!r})"


def test_no_module_outside_app_orders_changes_an_order():
    """Order statuses, transitions and order emails are written in app/orders only."""
    offenders = [f"{path.relative_to(ROOT)}:{line}: {what}"
                 for path, tree in _outside_orders() for line, what in _status_writes(tree)]
    assert offenders == []


def test_the_order_check_finds_a_status_write():
    """The check above can fail: it reports the writes it is meant to find."""
    tree = ast.parse("order.status = 'paid'\nrow.order.transition(x)\n"
                     "enqueue(kind='refund_notice', to=x)\nmessage.status = 'sent'\n")
    assert [line for line, _ in _status_writes(tree)] == [1, 2, 3]


def test_the_running_check_sees_a_status_change_from_outside_app_orders(
        _order_status_only_changes_in_app_orders):
    """The suite-wide watcher (tests/conftest.py) reports a change made by app code
    outside app/orders: here, code compiled as if it were app/admin/x.py."""
    from app.models import Order, OrderStatus

    order = Order(status=OrderStatus.PENDING)
    code = compile("order.status = 'paid'", str(APP / "admin" / "x.py"), "exec")
    exec(code, {"order": order})  # noqa: S102
    offenders = _order_status_only_changes_in_app_orders
    assert offenders and offenders[-1].endswith("pending -> paid")
    offenders.pop()
