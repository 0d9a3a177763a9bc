# The Debian package (CPack DEB): `cpack -G DEB` in a build tree gives edgegw_VERSION_ARCH.deb.
#
# - Dependencies come from dpkg-shlibdeps (the libraries the binary links) plus systemd, whose
#   systemd-sysusers and systemd-tmpfiles the postinst runs.
# - Maintainer scripts are systemd/deb/{postinst,prerm,postrm}: create the user and directories, do
#   not enable or start the service; remove keeps /etc/edgegw and /var/lib/edgegw, purge deletes them.
# - /etc/edgegw/edgegw.toml is a conffile (the `conffiles` control file below): dpkg never
#   overwrites an operator's edited copy without asking, and purge removes it.
# - CPACK_SET_DESTDIR: CPack installs with prefix /usr under DESTDIR, so the install-time rules of
#   Install.cmake see the real prefix, and the absolute /etc path lands in the package.

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME edgegw)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Edge gateway: Modbus and local MQTT devices to cloud IoT platforms")
set(CPACK_PACKAGE_DESCRIPTION
    "edgegw polls Modbus TCP/RTU devices and reads a local MQTT broker, stores every reading in an\n"
    "SQLite outbox and forwards it over one authenticated TLS MQTT session per device to Alibaba\n"
    "Cloud IoT, Tencent Cloud IoT Hub, Huawei Cloud IoT or any MQTT broker. It runs as a hardened\n"
    "systemd service.")
string(JOIN "" CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})
set(CPACK_PACKAGE_CONTACT "edgegw maintainers <edgegw@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd (>= 247)")

set(EDGEGW_DEB_CONTROL ${CMAKE_BINARY_DIR}/deb-control)
file(MAKE_DIRECTORY ${EDGEGW_DEB_CONTROL})
file(WRITE ${EDGEGW_DEB_CONTROL}/conffiles "/etc/edgegw/edgegw.toml\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/systemd/deb/postinst ${CMAKE_SOURCE_DIR}/systemd/deb/prerm
    ${CMAKE_SOURCE_DIR}/systemd/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The conffile is declared when cpack runs, where the install rules decide whether the example
# configuration exists: a conffiles entry without its file would make the package uninstallable.
set(CPACK_PROJECT_CONFIG_FILE ${EDGEGW_DEB_CONTROL}/cpack_project_config.cmake)
file(WRITE ${CPACK_PROJECT_CONFIG_FILE} "
if(EXISTS \"${EDGEGW_EXAMPLE_CONFIG}\")
  list(APPEND CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA \"${EDGEGW_DEB_CONTROL}/conffiles\")
else()
  message(WARNING \"edgegw: no ${EDGEGW_EXAMPLE_CONFIG}; the package has no /etc/edgegw/edgegw.toml\")
endif()
")

include(CPack)
