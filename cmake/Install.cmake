# Install layout of edgegw (`cmake --install`, which debian/rules runs too).
#
#   PREFIX/bin/edgegw
#   UNITDIR/edgegw.service                       the unit, with ExecStart= pointing at PREFIX/bin
#   PREFIX/lib/sysusers.d/edgegw.conf            the system user edgegw (member of dialout)
#   PREFIX/lib/tmpfiles.d/edgegw.conf            /etc/edgegw and /var/lib/edgegw with their modes
#   PREFIX/lib/systemd/catalog/edgegw.catalog    what the journal's MESSAGE_IDs mean (journalctl -x)
#   PREFIX/share/man/man8/edgegw.8, man5/edgegw.toml.5
#   PREFIX/share/doc/edgegw/                     operations.md and examples/*.toml
#   CONFDIR/edgegw/edgegw.toml                   the example configuration, only if absent
#
# CONFDIR is /etc for the prefixes an operator installs a service to (/usr, /usr/local), since the
# unit's ConfigurationDirectory= is /etc/edgegw whatever the prefix, and PREFIX/etc otherwise (a
# staging prefix such as /tmp/x stays self-contained). EDGEGW_INSTALL_CONFDIR overrides it.
#
# UNITDIR is PREFIX/lib/systemd/system; EDGEGW_INSTALL_UNITDIR overrides it (the Debian package
# uses /lib/systemd/system, where Debian 12's systemd and debhelper look).
#
# Paths that depend on the prefix are decided at install time, not at configure time, so that
# `cmake --install --prefix` gets them right.

include(GNUInstallDirs)

set(EDGEGW_EXAMPLE_CONFIG ${CMAKE_SOURCE_DIR}/etc/edgegw/edgegw.toml
    CACHE FILEPATH "Example configuration installed as /etc/edgegw/edgegw.toml when absent")
set(EDGEGW_INSTALL_CONFDIR "" CACHE PATH "Where edgegw/edgegw.toml goes (empty: /etc or PREFIX/etc)")
set(EDGEGW_INSTALL_UNITDIR "" CACHE PATH "Where edgegw.service goes (empty: PREFIX/lib/systemd/system)")

install(TARGETS edgegw RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The unit as written in systemd/ names /usr/bin/edgegw and /etc/edgegw/edgegw.toml; for another
# prefix or confdir, the installed copy is rewritten to match.
set(EDGEGW_UNIT_SOURCE ${CMAKE_SOURCE_DIR}/systemd/edgegw.service)
set(EDGEGW_UNIT_STAGING ${CMAKE_BINARY_DIR}/install-staging)
install(CODE "
  set(edgegw_prefix \"\${CMAKE_INSTALL_PREFIX}\")
  set(edgegw_confdir \"${EDGEGW_INSTALL_CONFDIR}\")
  if(edgegw_confdir STREQUAL \"\")
    if(edgegw_prefix MATCHES \"^/usr(/local)?/?$\")
      set(edgegw_confdir /etc)
    else()
      set(edgegw_confdir \"\${edgegw_prefix}/etc\")
    endif()
  endif()
  set(edgegw_bindir \"${CMAKE_INSTALL_BINDIR}\")
  if(NOT IS_ABSOLUTE \"\${edgegw_bindir}\")
    set(edgegw_bindir \"\${edgegw_prefix}/\${edgegw_bindir}\")
  endif()

  file(READ \"${EDGEGW_UNIT_SOURCE}\" edgegw_unit)
  string(REPLACE \"/usr/bin/edgegw\" \"\${edgegw_bindir}/edgegw\" edgegw_unit \"\${edgegw_unit}\")
  string(REPLACE \"/etc/edgegw/edgegw.toml\" \"\${edgegw_confdir}/edgegw/edgegw.toml\"
         edgegw_unit \"\${edgegw_unit}\")
  # One staging file per destination: installs into different roots may run at the same time.
  string(MD5 edgegw_key \"\$ENV{DESTDIR}\${edgegw_prefix}\")
  set(edgegw_staged \"${EDGEGW_UNIT_STAGING}/edgegw-\${edgegw_key}.service\")
  file(WRITE \"\${edgegw_staged}\" \"\${edgegw_unit}\")
  set(edgegw_unitdir \"${EDGEGW_INSTALL_UNITDIR}\")
  if(edgegw_unitdir STREQUAL \"\")
    set(edgegw_unitdir \"\${edgegw_prefix}/lib/systemd/system\")
  endif()
  file(INSTALL DESTINATION \"\${edgegw_unitdir}\" TYPE FILE
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES \"\${edgegw_staged}\" RENAME edgegw.service)

  # Never overwrite an operator's configuration: install the example only where none exists.
  set(edgegw_conf \"\${edgegw_confdir}/edgegw/edgegw.toml\")
  if(NOT EXISTS \"${EDGEGW_EXAMPLE_CONFIG}\")
    message(WARNING \"edgegw: no example configuration at ${EDGEGW_EXAMPLE_CONFIG}\")
  elseif(EXISTS \"\$ENV{DESTDIR}\${edgegw_conf}\")
    message(STATUS \"Keeping existing: \$ENV{DESTDIR}\${edgegw_conf}\")
  else()
    file(INSTALL DESTINATION \"\${edgegw_confdir}/edgegw\" TYPE FILE
         PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ
         FILES \"${EDGEGW_EXAMPLE_CONFIG}\" RENAME edgegw.toml)
  endif()
")

install(FILES ${CMAKE_SOURCE_DIR}/systemd/sysusers.conf
        DESTINATION lib/sysusers.d RENAME edgegw.conf)
install(FILES ${CMAKE_SOURCE_DIR}/systemd/tmpfiles.conf
        DESTINATION lib/tmpfiles.d RENAME edgegw.conf)

# journalctl --update-catalog (systemd's dpkg trigger on /usr/lib/systemd/catalog) picks it up.
install(FILES ${CMAKE_SOURCE_DIR}/systemd/edgegw.catalog DESTINATION lib/systemd/catalog)

install(FILES ${CMAKE_SOURCE_DIR}/man/edgegw.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${CMAKE_SOURCE_DIR}/man/edgegw.toml.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)

# Examples: the main file and etc/examples/*.toml (globbed at install time, so examples added later
# need no change here).
install(FILES ${EDGEGW_EXAMPLE_CONFIG} DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        RENAME edgegw.toml OPTIONAL)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/etc/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        FILES_MATCHING PATTERN "*.toml")
install(FILES ${CMAKE_SOURCE_DIR}/docs/operations.md DESTINATION ${CMAKE_INSTALL_DOCDIR} OPTIONAL)
