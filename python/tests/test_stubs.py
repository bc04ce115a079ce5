"""The public names, the stubs and the compiled module agree."""

import ast
import inspect
import sys
from pathlib import Path

import soundloc
import soundloc._soundloc as compiled

PACKAGE = Path(soundloc.__file__).parent


def _stub_tree():
    return ast.parse((PACKAGE / "_soundloc.pyi").read_text())


def _public(name):
    return not name.startswith("_") or name == "__version__"


def _stub_names():
    names = {}
    for node in _stub_tree().body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
    return {name: node for name, node in names.items() if _public(name)}


def _init_names():
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
    return {name for name in names if _public(name)}


def test_all_matches_stub_and_init():
    declared = set(soundloc.__all__)
    assert len(declared) == len(soundloc.__all__), "duplicates in __all__"
    assert declared == set(_stub_names()) | _init_names()
    for name in declared:
        assert hasattr(soundloc, name), name


def test_every_public_name_of_the_compiled_module_is_stubbed():
    runtime = {name for name in dir(compiled) if _public(name)}
    assert runtime == set(_stub_names()) == set(compiled.__all__)
    stub_all = next(
        node.value
        for node in _stub_tree().body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
    )
    assert set(ast.literal_eval(stub_all)) == set(compiled.__all__)


def test_stubbed_classes_match_their_runtime_attributes():
    for name, node in _stub_names().items():
        if not isinstance(node, ast.ClassDef):
            continue
        runtime_class = getattr(compiled, name)
        stubbed = {
            item.name
            for item in node.body
            if isinstance(item, ast.FunctionDef) and not item.name.startswith("_")
        }
        runtime = {attr for attr in vars(runtime_class) if not attr.startswith("_")}
        assert stubbed == runtime, name


def _parameters(node):
    args = node.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    return positional, [a.arg for a in args.kwonlyargs]


def test_stubbed_signatures_match_the_runtime():
    for name, node in _stub_names().items():
        if isinstance(node, ast.FunctionDef):
            pairs = [(node, getattr(compiled, name))]
        elif isinstance(node, ast.ClassDef):
            pairs = [
                (item, getattr(getattr(compiled, name), item.name))
                for item in node.body
                if isinstance(item, ast.FunctionDef)
                and (item.name == "__new__" or not item.name.startswith("_"))
                and callable(getattr(getattr(compiled, name), item.name))
            ]
        else:
            continue
        for stub, runtime in pairs:
            if stub.name == "__new__":
                runtime = getattr(compiled, name)  # the class carries the signature
                if sys.version_info < (3, 10) and runtime.__text_signature__ is None:
                    # Before 3.10 the stable ABI cannot give a class a signature; the
                    # constructors are checked on newer Pythons (CI runs 3.11).
                    continue
            signature = inspect.signature(runtime)
            positional = [
                p.name
                for p in signature.parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
            keyword = [
                p.name
                for p in signature.parameters.values()
                if p.kind == p.KEYWORD_ONLY
            ]
            stub_positional, stub_keyword = _parameters(stub)
            if stub_positional[:1] in (["self"], ["cls"]):
                stub_positional = stub_positional[1:]
            if positional[:1] in (["self"], ["cls"], ["$self"], ["$cls"]):
                positional = positional[1:]
            assert (stub_positional, stub_keyword) == (positional, keyword), (
                f"{name}.{stub.name}"
            )


def test_py_typed_ships_and_version_is_set():
    assert (PACKAGE / "py.typed").exists()
    assert soundloc.__version__.count(".") == 2


def test_every_signal_argument_is_stubbed_as_a_signal_array():
    # Signals are read as arrays of float64, float32 or int16 only (a list is refused),
    # so every such argument carries the `_Signal` alias, not `ArrayLike`.
    signal_names = {"signal", "signals", "x_i", "x_j", "frame", "samples", "source"}
    wrong = []
    for node in ast.walk(_stub_tree()):
        if isinstance(node, ast.FunctionDef):
            for argument in node.args.args + node.args.kwonlyargs:
                if argument.arg in signal_names and argument.annotation is not None:
                    annotation = ast.unparse(argument.annotation)
                    if annotation != "_Signal":
                        wrong.append(f"{node.name}({argument.arg}: {annotation})")
    assert not wrong, wrong
