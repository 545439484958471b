# Bora — temporary top-level Makefile while the boot slice is assembled.
O ?= .
ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)'
endif
include scripts/unit.mk
