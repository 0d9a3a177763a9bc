#include "support/test_pki.hpp"

#include <stdexcept>

#include "support/process.hpp"

namespace edgegw::test {

namespace {

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_command(argv);
  if (r.exit_code != 0) throw std::runtime_error("openssl failed: " + r.output);
}

}  // namespace

TestPki::TestPki(const std::string& ca_name) {
  ca_ = {dir_ / "ca.pem", dir_ / "ca.key"};
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", ca_.key.string(), "-out", ca_.cert.string(), "-days", "3650", "-subj",
           "/CN=" + ca_name, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
           "keyUsage=critical,keyCertSign,cRLSign"});
  server_ = issue("server", "localhost", "DNS:localhost,IP:127.0.0.1,IP:::1");
}

CertPair TestPki::issue(const std::string& name, const std::string& common_name,
                        const std::string& sans, bool expired) const {
  CertPair out{dir_ / (name + ".pem"), dir_ / (name + ".key")};
  auto csr = dir_ / (name + ".csr");
  auto ext = dir_ / (name + ".ext");
  std::string ext_text = "basicConstraints=CA:FALSE\n";
  ext_text += sans.empty() ? "extendedKeyUsage=clientAuth\n"
                           : "extendedKeyUsage=serverAuth\nsubjectAltName=" + sans + "\n";
  dir_.write(name + ".ext", ext_text, 0644);
  openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", out.key.string(), "-out", csr.string(), "-subj", "/CN=" + common_name});
  if (!expired) {
    openssl({"x509", "-req", "-in", csr.string(), "-CA", ca_.cert.string(), "-CAkey",
             ca_.key.string(), "-CAcreateserial", "-out", out.cert.string(), "-days", "825",
             "-extfile", ext.string()});
  } else {
    // `openssl ca` takes explicit start and end dates; the x509 command of OpenSSL 3.0 does not.
    auto db = dir_ / (name + ".index");
    dir_.write(name + ".index", "", 0644);
    dir_.write(name + ".serial", "1000\n", 0644);
    auto conf = dir_.write(name + ".ca.cnf",
                           "[ca]\ndefault_ca=test\n[test]\ndatabase=" + db.string() +
                               "\nserial=" + (dir_ / (name + ".serial")).string() +
                               "\nnew_certs_dir=" + dir_.path().string() +
                               "\ndefault_md=sha256\npolicy=any\nunique_subject=no\n"
                               "[any]\ncommonName=supplied\n",
                           0644);
    openssl({"ca", "-batch", "-config", conf.string(), "-cert", ca_.cert.string(), "-keyfile",
             ca_.key.string(), "-in", csr.string(), "-out", out.cert.string(), "-startdate",
             "20200101000000Z", "-enddate", "20200201000000Z", "-extfile", ext.string(),
             "-notext"});
  }
  return out;
}

}  // namespace edgegw::test
