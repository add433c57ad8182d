package io.yugong.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The certificates Yugong trusts for HTTPS upstreams: the JDK's public CAs, plus the CAs of a PEM
 * file (YUGONG_UPSTREAM_CA_FILE) for private OpenAI-compatible servers. Verification is never
 * switched off.
 */
public final class UpstreamTrust {

  private UpstreamTrust() {
  }

  /** A trust manager accepting what the JDK's CAs or the given PEM file's CAs sign. */
  public static X509TrustManager withExtraCas(Path pemFile) {
    try {
      X509TrustManager jdk = trustManagerOf(null);
      KeyStore extra = KeyStore.getInstance(KeyStore.getDefaultType());
      extra.load(null, null);
      int i = 0;
      for (Certificate c : readPem(pemFile)) {
        extra.setCertificateEntry("upstream-ca-" + i++, c);
      }
      if (i == 0) {
        throw new IllegalArgumentException(pemFile + " holds no certificate");
      }
      return new Either(jdk, trustManagerOf(extra));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("cannot read the upstream CA file " + pemFile + ": " + e.getMessage(), e);
    }
  }

  private static Collection<? extends Certificate> readPem(Path file) throws IOException, CertificateException {
    try (InputStream in = Files.newInputStream(file)) {
      return CertificateFactory.getInstance("X.509").generateCertificates(in);
    }
  }

  private static X509TrustManager trustManagerOf(KeyStore store) throws GeneralSecurityException {
    TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    f.init(store);
    for (TrustManager tm : f.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X509 trust manager");
  }

  /** Trusts a chain when either manager does. */
  private record Either(X509TrustManager first, X509TrustManager second) implements X509TrustManager {

    /** One trust decision, asked of one manager. */
    private interface Check {
      void run(X509TrustManager m) throws CertificateException;
    }

    private void either(Check check) throws CertificateException {
      try {
        check.run(first);
      } catch (CertificateException e) {
        check.run(second);
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      either(m -> m.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      either(m -> m.checkServerTrusted(chain, authType));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      List<X509Certificate> all = new ArrayList<>(List.of(first.getAcceptedIssuers()));
      all.addAll(List.of(second.getAcceptedIssuers()));
      return all.toArray(new X509Certificate[0]);
    }
  }
}
