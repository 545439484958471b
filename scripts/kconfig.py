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
  kconfig.py menuconfig|guiconfig --config CFG
  kconfig.py randconfig|allnoconfig|allyesconfig|alldefconfig --config OUT [--seed N]
             [--allconfig FRAGMENT]
  kconfig.py listnewconfig --config CFG

Generated configurations (randconfig, all*config) never turn on a symbol in
NEVER_GENERATED: the gate of the options that make a test run fail on purpose.
They pass the same strict checks as a defconfig before .config is written.
"""

import argparse
import os
import random
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


def selectors(rev_dep):
    """The symbols whose `select` holds: the first symbol of each true term of rev_dep."""
    if isinstance(rev_dep, tuple) and rev_dep[0] == kconfiglib.OR:
        return selectors(rev_dep[1]) + selectors(rev_dep[2])
    if not kconfiglib.expr_value(rev_dep):
        return []
    term = rev_dep
    while isinstance(term, tuple):
        term = term[1]
    name = term.name if isinstance(term, kconfiglib.Symbol) else kconfiglib.expr_str(rev_dep)
    return ["%s (select)" % name]


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
        return ("CONFIG_%s cannot be set: unmet dependencies: %s%s"
                % (where, ", ".join(deps), hardware_hint(sym, deps)))
    if sym.choice is not None and wanted == "y":
        sel = sym.choice.selection
        return ("CONFIG_%s conflicts with CONFIG_%s=y in the same choice '%s'"
                % (where, sel.name if sel else "?",
                   sym.choice.name or sym.choice.nodes[0].prompt[0]))
    if sym.rev_dep is not sym.kconfig.n and kconfiglib.expr_value(sym.rev_dep):
        return ("CONFIG_%s is forced to %s by: %s"
                % (where, sym.str_value, ", ".join(selectors(sym.rev_dep))))
    if not sym.nodes or all(not n.prompt for n in sym.nodes):
        return ("CONFIG_%s: the symbol has no prompt and cannot be set by a "
                "configuration file (resolved to %s)" % (where, sym.str_value))
    return "CONFIG_%s was resolved to %s" % (where, sym.str_value or "(unset)")


def board_name(kconf):
    return kconf.syms["BOARD"].str_value or "?"


def hardware_hint(sym, deps):
    """Say which hardware the board lacks and, for a choice, what it offers instead."""
    lacking = [d for d in deps if d.startswith("HAS_") and d in sym.kconfig.syms]
    if not lacking:
        return ""
    hint = " (board %s has no %s" % (board_name(sym.kconfig), ", ".join(lacking))
    if sym.choice is not None:
        offered = [m.name for m in sym.choice.syms if m.visibility]
        if offered:
            hint += "; pick %s" % " or ".join("CONFIG_%s=y" % n for n in offered)
    return hint + ")"


def unset_values(kconf):
    """Enabled int/hex symbols nothing gave a value (no board default, no assignment)."""
    errors = []
    for sym in kconf.unique_defined_syms:
        if sym.type in (kconfiglib.INT, kconfiglib.HEX) and sym.visibility and \
                sym.str_value == "":
            errors.append("CONFIG_%s has no value: board %s gives none for this configuration; "
                          "set CONFIG_%s in the defconfig or a fragment"
                          % (sym.name, board_name(kconf), sym.name))
    return errors


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
    errors += unset_values(kconf)
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


def config_line_symbol(line):
    """The symbol a defconfig line sets, so "# CONFIG_X is not set" sorts by X."""
    return line.lstrip("# ").split("=")[0].split(" ")[0]


def min_config_lines(kconf):
    fd, tmp = tempfile.mkstemp()
    os.close(fd)
    try:
        kconf.write_min_config(tmp, header="")
        with open(tmp) as f:
            # "# CONFIG_X is not set" is a setting, not a comment: dropping it would turn a
            # default-y option the user switched off back on.
            lines = [l.rstrip("\n") for l in f
                     if l.startswith("CONFIG_") or
                     (l.startswith("# CONFIG_") and l.rstrip().endswith(" is not set"))]
    finally:
        os.unlink(tmp)
    board = board_line(kconf)
    if board and board not in lines:
        lines.append(board)
    return sorted(lines, key=config_line_symbol)


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


def cmd_guiconfig(args):
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise ConfigError("  guiconfig needs a graphical display (DISPLAY is not set); "
                          "in a terminal use make menuconfig")
    try:
        import tkinter  # noqa: F401  (guiconfig's toolkit; Debian package python3-tk)
    except ImportError:
        raise ConfigError("  guiconfig needs Tk for %s: sudo apt-get install python3-tk"
                          % sys.executable)
    os.environ["KCONFIG_CONFIG"] = args.config
    import guiconfig
    kconf = load_kconfig()
    guiconfig.menuconfig(kconf)


# ---- generated configurations --------------------------------------------------------------------

# Never turned on by randconfig or allyesconfig: the options behind this gate end the run in
# a fault on purpose (tests/ktest_crash.config sets it), so a
# generated configuration could never pass its own suites.
NEVER_GENERATED = {"KTEST_DELIBERATE_FAULTS"}

# Board facts (addresses, RAM, firmware size) stay at the board's values in randconfig: a
# random RAM size is not the machine QEMU emulates. Sizes elsewhere are drawn inside their
# ranges.
BOARD_MENU = "Board"


def in_board_menu(node):
    while node.parent is not None:
        node = node.parent
        if node.prompt and node.prompt[0] == BOARD_MENU and node.item == kconfiglib.MENU:
            return True
    return False


# Random sizes stay within this factor of the default (and inside the range): extremes of
# several options at once (a heap filling RAM and 1 MiB thread stacks) are not what a user
# configures, and would make the sweep fail on exhausted memory rather than on bugs.
RANDOM_SPAN = 16


def random_in_range(rng, sym):
    base = 10 if sym.type == kconfiglib.INT else 16
    low, high = (int(v, base) for v in active_range(sym))
    default = int(sym.str_value, base) if sym.str_value else 0
    if default > 0:
        low, high = max(low, default // RANDOM_SPAN), min(high, default * RANDOM_SPAN)
    # Log-uniform, so small sizes are as likely as large ones in a range spanning decades.
    value = int(round(2 ** rng.uniform((low or 1).bit_length() - 1, high.bit_length())))
    value = min(max(value, low), high)
    if sym.type == kconfiglib.HEX:
        # Sizes that are page multiples by default stay page multiples.
        if default % 0x1000 == 0 and low % 0x1000 == 0:
            value = max(low, value & ~0xfff)
        return hex(value)
    return str(value)


def randomize(kconf, rng):
    """Give every visible, unassigned option a random value, in menu order.

    Two passes, so options whose dependencies were only met by a later choice get a value
    too. Assignments from --allconfig are user values and are kept.
    """
    decided = set()
    for _ in range(2):
        for node in kconf.node_iter():
            item = node.item
            if isinstance(item, kconfiglib.Choice):
                if item in decided or item.user_selection is not None or not item.visibility:
                    continue
                members = [m for m in item.syms if m.visibility]
                if members:
                    rng.choice(members).set_value(2)
                decided.add(item)
            elif isinstance(item, kconfiglib.Symbol):
                if item in decided or item.choice is not None or item.user_value is not None \
                        or not item.visibility or item.name in NEVER_GENERATED:
                    continue
                decided.add(item)
                if item.type == kconfiglib.BOOL:
                    item.set_value(rng.choice((0, 2)))
                elif item.type in (kconfiglib.INT, kconfiglib.HEX) and item.ranges \
                        and not in_board_menu(node) and active_range(item) \
                        and rng.random() < 0.5:
                    item.set_value(random_in_range(rng, item))


def set_all(kconf, value):
    """allyes/allno: every bool outside choices (choices keep their defaults)."""
    for sym in kconf.unique_defined_syms:
        if sym.type == kconfiglib.BOOL and sym.choice is None and sym.user_value is None:
            if value and sym.name in NEVER_GENERATED:
                continue
            sym.set_value(value)


def write_generated(args, kind, generate):
    kconf = load_kconfig()
    sources = []
    if args.allconfig:
        load_strict(kconf, [args.allconfig])
        sources.append(args.allconfig)
    generate(kconf)
    # Re-read what was generated the way genconfig will: dependencies settle, and the
    # result must pass the checks a hand-written defconfig passes.
    text = config_text(kconf)
    check = load_kconfig()
    fd, tmp = tempfile.mkstemp(suffix=".config")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    try:
        check.load_config(tmp)
        check_strict(check, [kind] + sources)
    finally:
        os.unlink(tmp)
    if args.allconfig:
        # Forced values must survive: a random choice must not have undone them.
        forced = load_kconfig()
        forced.load_config(args.allconfig)
        lost = ["CONFIG_%s=%s (resolved to %s)" % (s.name, kconfiglib.TRI_TO_STR.get(
                    s.user_value, s.user_value), check.syms[s.name].str_value or "(unset)")
                for s in forced.unique_defined_syms if s.user_value is not None and
                str_of_user(s) != check.syms[s.name].str_value]
        if lost:
            raise ConfigError("\n".join("  %s from %s did not hold" % (l, args.allconfig)
                                        for l in lost))
    atomic_write(args.config, text)
    return check


def str_of_user(sym):
    if sym.type in (kconfiglib.BOOL, kconfiglib.TRISTATE):
        return kconfiglib.TRI_TO_STR[sym.user_value]
    return sym.user_value


def cmd_randconfig(args):
    seed = args.seed if args.seed is not None else random.SystemRandom().getrandbits(32)
    # Printed first, so even a run that fails names the seed that reproduces it.
    print("kconfig: randconfig KCONFIG_SEED=%#x (make randconfig KCONFIG_SEED=%#x repeats it)"
          % (seed, seed), flush=True)
    kconf = write_generated(args, "randconfig", lambda k: randomize(k, random.Random(seed)))
    print("kconfig: wrote %s (randconfig: board %s, %s)" % (args.config, board_name(kconf),
                                                            summary(kconf)))


def summary(kconf):
    parts = []
    for name in ("PAGING_STAGE", "HEAP_ALLOC", "CONSOLE_CHOICE"):
        choice = kconf.named_choices.get(name)
        if choice is not None and choice.selection is not None:
            parts.append(choice.selection.name)
    return ", ".join(parts)


def cmd_allnoconfig(args):
    write_generated(args, "allnoconfig", lambda k: set_all(k, 0))
    print("kconfig: wrote %s (allnoconfig)" % args.config)


def cmd_allyesconfig(args):
    write_generated(args, "allyesconfig", lambda k: set_all(k, 2))
    print("kconfig: wrote %s (allyesconfig)" % args.config)


def cmd_alldefconfig(args):
    write_generated(args, "alldefconfig", lambda k: None)
    print("kconfig: wrote %s (alldefconfig)" % args.config)


def cmd_listnewconfig(args):
    """Options the configuration does not mention yet, with the value they would get."""
    kconf = load_kconfig()
    load_strict(kconf, [args.config])
    for sym in kconf.unique_defined_syms:
        if sym.user_value is None and sym.visibility and sym.nodes[0].prompt and \
                not (sym.choice and sym.choice.user_selection is not None):
            if sym.type in (kconfiglib.BOOL, kconfiglib.TRISTATE) and sym.str_value == "n":
                print("# CONFIG_%s is not set" % sym.name)
            else:
                print("CONFIG_%s=%s" % (sym.name, sym.str_value))


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
    for name in ("menuconfig", "guiconfig", "listnewconfig"):
        p = sub.add_parser(name)
        p.add_argument("--config", required=True)
    for name in ("randconfig", "allnoconfig", "allyesconfig", "alldefconfig"):
        p = sub.add_parser(name)
        p.add_argument("--config", required=True)
        p.add_argument("--allconfig", default=None,
                       help="fragment whose values are kept (KCONFIG_ALLCONFIG)")
        if name == "randconfig":
            p.add_argument("--seed", type=lambda v: int(v, 0), default=None)
    args = ap.parse_args()
    try:
        {"defconfig": cmd_defconfig, "olddefconfig": cmd_olddefconfig,
         "savedefconfig": cmd_savedefconfig, "genconfig": cmd_genconfig,
         "menuconfig": cmd_menuconfig, "guiconfig": cmd_guiconfig,
         "randconfig": cmd_randconfig, "allnoconfig": cmd_allnoconfig,
         "allyesconfig": cmd_allyesconfig, "alldefconfig": cmd_alldefconfig,
         "listnewconfig": cmd_listnewconfig}[args.cmd](args)
    except ConfigError as e:
        sys.stderr.write("kconfig: error: invalid configuration:\n%s\n" % e)
        sys.exit(1)
    except kconfiglib.KconfigError as e:
        sys.stderr.write("kconfig: error: %s\n" % e)
        sys.exit(1)


if __name__ == "__main__":
    main()
