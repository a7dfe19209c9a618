## Installation as a service: the example configuration, the man pages and the systemd units.
## The configuration's documentation comes from the plugin's settings table (plugin/settings.c)
## through plugin/settings_doc; the programs' man pages from their --help (help2man).

noinst_PROGRAMS += plugin/settings_doc
plugin_settings_doc_SOURCES = plugin/settings_doc.c plugin/settings.c plugin/settings.h

mamgateconfdir = $(sysconfdir)/mamgate
mamgatestatedir = $(localstatedir)/lib/mamgate

## Directory names substituted into the units and man page sources at make time (they may
## refer to ${prefix}, so configure cannot do it).
SERVICE_SUBST = sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@pkglibdir[@]|$(pkglibdir)|g' -e 's|@localstatedir[@]|$(localstatedir)|g'
SERVICE_SUBST_RULE = $(AM_V_GEN)mkdir -p packaging && $(SERVICE_SUBST) $(srcdir)/$@.in > $@-t && mv $@-t $@
packaging/mamgated.service: $(srcdir)/packaging/mamgated.service.in Makefile
	$(SERVICE_SUBST_RULE)
packaging/devnode.service: $(srcdir)/packaging/devnode.service.in Makefile
	$(SERVICE_SUBST_RULE)
packaging/mamgated.h2m: $(srcdir)/packaging/mamgated.h2m.in Makefile
	$(SERVICE_SUBST_RULE)

## The example configuration: every option commented out at its default, but the data directory
## where the service keeps its state.
packaging/mamgate.conf: plugin/settings_doc$(EXEEXT)
	$(AM_V_GEN)mkdir -p packaging && plugin/settings_doc conf data_dir=$(mamgatestatedir) > $@-t && mv $@-t $@
packaging/mamgate.conf.5: plugin/settings_doc$(EXEEXT) Makefile
	$(AM_V_GEN)mkdir -p packaging && plugin/settings_doc man $(mamgateconfdir)/mamgate.conf > $@-t && mv $@-t $@

## help2man runs each program's --help; its .h2m file adds the sections --help lacks.
HELP2MAN_RUN = $(HELP2MAN) --no-info --no-discard-stderr --output=$@-t
packaging/mamgated.8: host/mamgated$(EXEEXT) packaging/mamgated.h2m
	$(AM_V_GEN)$(HELP2MAN_RUN) --section=8 --include=packaging/mamgated.h2m host/mamgated$(EXEEXT) && mv $@-t $@
packaging/devnode.8: devnode/devnode$(EXEEXT) $(srcdir)/packaging/devnode.h2m
	$(AM_V_GEN)$(HELP2MAN_RUN) --section=8 --include=$(srcdir)/packaging/devnode.h2m devnode/devnode$(EXEEXT) && mv $@-t $@
packaging/mamgate-cli.1: mamgate-cli$(EXEEXT) $(srcdir)/packaging/mamgate-cli.h2m
	$(AM_V_GEN)$(HELP2MAN_RUN) --section=1 --version-string=$(PACKAGE_VERSION) \
	  --include=$(srcdir)/packaging/mamgate-cli.h2m ./mamgate-cli$(EXEEXT) && mv $@-t $@
packaging/mamgate-sub.1: mamgate-sub$(EXEEXT) $(srcdir)/packaging/mamgate-sub.h2m
	$(AM_V_GEN)$(HELP2MAN_RUN) --section=1 --version-string=$(PACKAGE_VERSION) \
	  --include=$(srcdir)/packaging/mamgate-sub.h2m ./mamgate-sub$(EXEEXT) && mv $@-t $@

nodist_man_MANS = packaging/mamgate.conf.5
if HELP2MAN
nodist_man_MANS += packaging/mamgated.8 packaging/devnode.8 packaging/mamgate-cli.1 packaging/mamgate-sub.1
endif

if SYSTEMD_UNITS
nodist_systemdsystemunit_DATA = packaging/mamgated.service packaging/devnode.service
endif

SERVICE_GENERATED = packaging/mamgate.conf packaging/mamgate.conf.5 packaging/mamgated.8 packaging/devnode.8 \
	packaging/mamgate-cli.1 packaging/mamgate-sub.1 packaging/mamgated.service packaging/devnode.service \
	packaging/mamgated.h2m
noinst_DATA = packaging/mamgate.conf packaging/mamgated.service packaging/devnode.service
CLEANFILES += $(SERVICE_GENERATED)
EXTRA_DIST += packaging/mamgated.service.in packaging/devnode.service.in packaging/mamgated.h2m.in \
	packaging/devnode.h2m packaging/mamgate-cli.h2m packaging/mamgate-sub.h2m

## The example configuration goes in place unless there is one already (an operator's edits are
## kept); uninstall removes it only when it is still the example.
install-data-local: packaging/mamgate.conf
	$(MKDIR_P) '$(DESTDIR)$(mamgateconfdir)' '$(DESTDIR)$(mamgatestatedir)'
	@if test -f '$(DESTDIR)$(mamgateconfdir)/mamgate.conf'; then \
	  echo "keeping the existing $(DESTDIR)$(mamgateconfdir)/mamgate.conf"; \
	else \
	  echo " $(INSTALL_DATA) packaging/mamgate.conf '$(DESTDIR)$(mamgateconfdir)/mamgate.conf'"; \
	  $(INSTALL_DATA) packaging/mamgate.conf '$(DESTDIR)$(mamgateconfdir)/mamgate.conf'; \
	fi
uninstall-local:
	if cmp -s packaging/mamgate.conf '$(DESTDIR)$(mamgateconfdir)/mamgate.conf'; then \
	  rm -f '$(DESTDIR)$(mamgateconfdir)/mamgate.conf'; fi

## The installed programs answer: the version, and the installed example configuration is valid.
installcheck-local:
	'$(DESTDIR)$(sbindir)/mamgated' --version
	if test -z '$(DESTDIR)'; then plugin=; else plugin='--plugin=$(DESTDIR)$(pkglibdir)/mamgate.so'; fi; \
	  '$(DESTDIR)$(sbindir)/mamgated' --check-config -c '$(DESTDIR)$(mamgateconfdir)/mamgate.conf' $$plugin

## distcheck installs as a user under its own prefix: the units go there too.
AM_DISTCHECK_CONFIGURE_FLAGS = --with-systemdsystemunitdir='$${libdir}/systemd/system'

## --check-config, sd_notify, the example configuration, the README's table and the units.
TESTS += tests/service_test.sh
EXTRA_DIST += tests/service_test.sh
