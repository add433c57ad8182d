package io.yugong.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Everything Yugong does with the master key: sealing upstream keys (AES-256-GCM) and hashing
 * customer keys (HMAC-SHA256 with a pepper). Two sub-keys are derived from the master key so
 * that neither use can stand in for the other. Thread-safe.
 */
public final class Vault {

  private static final String SEAL_PREFIX = "v1:";
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecretKeySpec sealKey;
  private final SecretKeySpec pepper;
  private final ThreadLocal<Mac> hasher;
  private final SecureRandom random = new SecureRandom();

  public Vault(byte[] masterKey) {
    if (masterKey.length != 32) {
      throw new IllegalArgumentException("master key must be 32 bytes");
    }
    this.sealKey = new SecretKeySpec(derive(masterKey, "yugong/seal/v1"), "AES");
    this.pepper = new SecretKeySpec(derive(masterKey, "yugong/key-hash/v1"), "HmacSHA256");
    this.hasher = ThreadLocal.withInitial(() -> {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(pepper);
        return mac;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static byte[] derive(byte[] master, String purpose) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(master, "HmacSHA256"));
      return mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Seals a secret. The associated data binds the ciphertext to one record (the key id), so a
   * sealed value copied onto another record does not open.
   */
  public String seal(String secret, String boundTo) {
    try {
      byte[] iv = new byte[IV_BYTES];
      random.nextBytes(iv);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, sealKey, new GCMParameterSpec(TAG_BITS, iv));
      cipher.updateAAD(boundTo.getBytes(StandardCharsets.UTF_8));
      byte[] ct = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[iv.length + ct.length];
      System.arraycopy(iv, 0, out, 0, iv.length);
      System.arraycopy(ct, 0, out, iv.length, ct.length);
      return SEAL_PREFIX + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("sealing failed", e);
    }
  }

  /** Opens a sealed secret; fails if it was sealed under another master key or for another record. */
  public String open(String sealed, String boundTo) {
    if (sealed == null || !sealed.startsWith(SEAL_PREFIX)) {
      throw new IllegalArgumentException("not a sealed value");
    }
    try {
      byte[] all = Base64.getDecoder().decode(sealed.substring(SEAL_PREFIX.length()));
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, sealKey, new GCMParameterSpec(TAG_BITS, all, 0, IV_BYTES));
      cipher.updateAAD(boundTo.getBytes(StandardCharsets.UTF_8));
      byte[] pt = cipher.doFinal(all, IV_BYTES, all.length - IV_BYTES);
      return new String(pt, StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("a sealed key does not open under this master key", e);
    }
  }

  /** The stored form of a customer key: hex HMAC-SHA256 under the pepper. */
  public String hashKey(String key) {
    Mac mac = hasher.get();
    return toHex(mac.doFinal(key.getBytes(StandardCharsets.UTF_8)));
  }

  /** Constant-time comparison of two hashes. */
  public static boolean sameHash(String a, String b) {
    return a != null && b != null
        && MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }

  private static String toHex(byte[] bytes) {
    char[] hex = "0123456789abcdef".toCharArray();
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = hex[(bytes[i] >> 4) & 0xf];
      out[2 * i + 1] = hex[bytes[i] & 0xf];
    }
    return new String(out);
  }
}
