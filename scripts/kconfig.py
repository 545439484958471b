#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Bora's Kconfig front end over kconfiglib.

Strict like Zephyr: a configuration that assigns an undefined symbol, an invalid
or out-of-range value, or a symbol whose dependencies are not met is an error
that names the symbol, the value and every unmet dependency. Outputs are written
to a temporary file and renamed, so a failed run leaves what was there before.

  kconfig.py defconfig FILE [FRAGMENT...] --config OUT
  kconfig.py olddefconfig --config CFG
  kconfig.py savedefconfig --config CFG --out FILE
  kconfig.py genconfig --config CFG --header H --makeconf M
  kconfig.py menuconfig --config CFG
"""

import argparse
import os
import sys
import tempfile

try:
    import kconfiglib
except ImportError:
    sys.exit("kconfig: python3-kconfiglib is missing for %s "
             "(apt-get install python3-kconfiglib, or run scripts/install-deps.sh)"
             % sys.executable)

SRCTREE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ConfigError(Exception):
    pass


def load_kconfig():
    os.environ.setdefault("srctree", SRCTREE)
    kconf = kconfiglib.Kconfig(os.path.join(SRCTREE, "Kconfig"),
                               warn_to_stderr=False, suppress_traceback=True)
    kconf.warn_assign_undef = True
    kconf.warn_assign_override = False
    kconf.warn_assign_redun = False
    return kconf


def unmet_terms(expr):
    """The simplest terms that make a dependency expression n, without repeats.

    For A && B the unmet conjuncts, each reported on its own; an unmet A || B is
    reported whole, since any one alternative would do.
    """
    if kconfiglib.expr_value(expr) != 0:
        return []
    if isinstance(expr, tuple) and expr[0] == kconfiglib.AND:
        terms = []
        for sub in (expr[1], expr[2]):
            terms += [t for t in unmet_terms(sub) if t not in terms]
        return terms
    if isinstance(expr, kconfiglib.Choice):
        # A member of a hidden choice: name what hides the choice, not "<choice X>".
        terms = []
        for node in expr.nodes:
            cond = node.prompt[1] if node.prompt else node.dep
            terms += [t for t in unmet_terms(cond) if t not in terms]
        if terms:
            return terms
    return [kconfiglib.expr_str(expr)]


def active_range(sym):
    for low, high, cond in sym.ranges:
        if kconfiglib.expr_value(cond):
            return low.str_value, high.str_value
    return None


def describe_rejection(sym, wanted):
    """Why kconfiglib did not give `sym` the value the config file asked for."""
    where = "%s=%s" % (sym.name, wanted)
    if sym.type in (kconfiglib.INT, kconfiglib.HEX):
        rng = active_range(sym)
        if rng is not None:
            return ("CONFIG_%s is out of range: allowed %s..%s, resolved to %s"
                    % (where, rng[0], rng[1], sym.str_value or "(unset)"))
    # The prompt's condition is what a user can act on; board default nodes add
    # `if BOARD_X` alternatives to direct_dep that would only blur the message.
    deps = []
    if not sym.visibility:
        for node in sym.nodes:
            if node.prompt:
                deps += [d for d in unmet_terms(node.prompt[1]) if d not in deps]
    if not deps:
        deps = unmet_terms(sym.direct_dep)
    if deps:
        return ("CONFIG_%s cannot be set: unmet dependencies: %s"
                % (where, ", ".join(deps)))
    if sym.choice is not None and wanted == "y":
        sel = sym.choice.selection
        return ("CONFIG_%s conflicts with CONFIG_%s=y in the same choice '%s'"
                % (where, sel.name if sel else "?",
                   sym.choice.name or sym.choice.nodes[0].prompt[0]))
    if sym.rev_dep is not sym.kconfig.n and kconfiglib.expr_value(sym.rev_dep):
        return ("CONFIG_%s is forced to %s by: %s"
                % (where, sym.str_value, kconfiglib.expr_str(sym.rev_dep)))
    if not sym.nodes or all(not n.prompt for n in sym.nodes):
        return ("CONFIG_%s: the symbol has no prompt and cannot be set by a "
                "configuration file (resolved to %s)" % (where, sym.str_value))
    return "CONFIG_%s was resolved to %s" % (where, sym.str_value or "(unset)")


def check_strict(kconf, sources):
    errors = []
    for warning in kconf.warnings:
        errors.append(warning.replace("\n", " ").replace("warning: ", ""))
    for sym in kconf.unique_defined_syms:
        if sym.user_value is None:
            continue
        if sym.type in (kconfiglib.BOOL, kconfiglib.TRISTATE):
            wanted = kconfiglib.TRI_TO_STR[sym.user_value]
        else:
            wanted = sym.user_value
        have = sym.str_value
        if sym.type == kconfiglib.HEX and have and wanted:
            try:
                if int(have, 16) == int(wanted, 16):
                    continue
            except ValueError:
                pass
        if have != wanted:
            errors.append(describe_rejection(sym, wanted))
    if errors:
        raise ConfigError("\n".join("  " + e for e in errors) +
                          "\n  (in %s)" % ", ".join(sources))


def atomic_write(path, text):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def config_text(kconf):
    fd, tmp = tempfile.mkstemp()
    os.close(fd)
    try:
        kconf.write_config(tmp, header="# Bora configuration (generated; edit with make menuconfig)\n",
                           save_old=False)
        with open(tmp) as f:
            return f.read()
    finally:
        os.unlink(tmp)


def load_strict(kconf, files):
    for i, path in enumerate(files):
        if not os.path.isfile(path):
            raise ConfigError("  %s: no such configuration file" % path)
        kconf.load_config(path, replace=(i == 0))
    check_strict(kconf, files)


def cmd_defconfig(args):
    kconf = load_kconfig()
    load_strict(kconf, [args.defconfig] + args.fragments)
    atomic_write(args.config, config_text(kconf))
    print("kconfig: wrote %s from %s" % (args.config, " + ".join([args.defconfig] + args.fragments)))


def cmd_olddefconfig(args):
    kconf = load_kconfig()
    load_strict(kconf, [args.config])
    atomic_write(args.config, config_text(kconf))


def board_line(kconf):
    """The selected board, which a saved defconfig always names even though it is the default."""
    sel = kconf.named_choices["BOARD_CHOICE"].selection
    return "CONFIG_%s=y" % sel.name if sel else None


def min_config_lines(kconf):
    fd, tmp = tempfile.mkstemp()
    os.close(fd)
    try:
        kconf.write_min_config(tmp, header="")
        with open(tmp) as f:
            lines = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    finally:
        os.unlink(tmp)
    board = board_line(kconf)
    if board and board not in lines:
        lines.append(board)
    return sorted(lines)


def cmd_savedefconfig(args):
    kconf = load_kconfig()
    load_strict(kconf, [args.config])
    lines = min_config_lines(kconf)
    atomic_write(args.out, "".join(l + "\n" for l in lines))
    print("kconfig: wrote minimal configuration to %s" % args.out)


def make_value(sym):
    if sym.type == kconfiglib.STRING:
        return sym.str_value.replace("$", "$$")
    return sym.str_value


def cmd_genconfig(args):
    kconf = load_kconfig()
    load_strict(kconf, [args.config])
    header = ["/* Generated from %s by scripts/kconfig.py; do not edit. */" % args.config,
              "#ifndef BORA_AUTOCONF_H", "#define BORA_AUTOCONF_H"]
    makeconf = ["# Generated from %s by scripts/kconfig.py; do not edit." % args.config]
    for sym in kconf.unique_defined_syms:
        val = sym.str_value
        if sym.type in (kconfiglib.BOOL, kconfiglib.TRISTATE):
            if val == "y":
                header.append("#define CONFIG_%s 1" % sym.name)
                makeconf.append("CONFIG_%s=y" % sym.name)
        elif sym.type == kconfiglib.STRING:
            if sym.visibility or sym.nodes and (sym.defaults or sym.user_value is not None):
                esc = val.replace("\\", "\\\\").replace('"', '\\"')
                header.append('#define CONFIG_%s "%s"' % (sym.name, esc))
                makeconf.append("CONFIG_%s=%s" % (sym.name, make_value(sym)))
        elif val != "":
            if sym.type == kconfiglib.HEX and not val.lower().startswith("0x"):
                val = "0x" + val
            suffix = "UL" if sym.type == kconfiglib.HEX else ""
            header.append("#define CONFIG_%s %s%s" % (sym.name, val, suffix))
            makeconf.append("CONFIG_%s=%s" % (sym.name, val))
    header.append("#endif")
    header_text = "\n".join(header) + "\n"
    old = None
    if os.path.exists(args.header):
        with open(args.header) as f:
            old = f.read()
    # Rewriting an unchanged header would make every object rebuild.
    if old != header_text:
        atomic_write(args.header, header_text)
    atomic_write(args.makeconf, "\n".join(makeconf) + "\n")


def cmd_menuconfig(args):
    os.environ["KCONFIG_CONFIG"] = args.config
    import menuconfig
    kconf = load_kconfig()
    menuconfig.menuconfig(kconf)


def main():
    ap = argparse.ArgumentParser(prog="kconfig.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("defconfig")
    p.add_argument("defconfig")
    p.add_argument("fragments", nargs="*")
    p.add_argument("--config", required=True)
    p = sub.add_parser("olddefconfig")
    p.add_argument("--config", required=True)
    p = sub.add_parser("savedefconfig")
    p.add_argument("--config", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("genconfig")
    p.add_argument("--config", required=True)
    p.add_argument("--header", required=True)
    p.add_argument("--makeconf", required=True)
    p = sub.add_parser("menuconfig")
    p.add_argument("--config", required=True)
    args = ap.parse_args()
    try:
        {"defconfig": cmd_defconfig, "olddefconfig": cmd_olddefconfig,
         "savedefconfig": cmd_savedefconfig, "genconfig": cmd_genconfig,
         "menuconfig": cmd_menuconfig}[args.cmd](args)
    except ConfigError as e:
        sys.stderr.write("kconfig: error: invalid configuration:\n%s\n" % e)
        sys.exit(1)
    except kconfiglib.KconfigError as e:
        sys.stderr.write("kconfig: error: %s\n" % e)
        sys.exit(1)


if __name__ == "__main__":
    main()
