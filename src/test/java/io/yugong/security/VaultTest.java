package io.yugong.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class VaultTest {

  private static byte[] key() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return k;
  }

  @Test
  void sealedKeyOpensOnlyForItsOwnRecordAndMasterKey() {
    Vault vault = new Vault(key());
    String sealed = vault.seal("sk-proj-secret-value-1234", "key_a");
    assertThat(sealed).startsWith("v1:").doesNotContain("secret");
    assertThat(vault.open(sealed, "key_a")).isEqualTo("sk-proj-secret-value-1234");
    assertThatThrownBy(() -> vault.open(sealed, "key_b")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new Vault(key()).open(sealed, "key_a")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void sealingTheSameSecretTwiceGivesDifferentCiphertexts() {
    Vault vault = new Vault(key());
    assertThat(vault.seal("sk-x-123456789", "id")).isNotEqualTo(vault.seal("sk-x-123456789", "id"));
  }

  @Test
  void keyHashesArePepperedAndStable() {
    byte[] master = key();
    Vault a = new Vault(master);
    assertThat(a.hashKey("sk-abc")).hasSize(64).isEqualTo(new Vault(master).hashKey("sk-abc"));
    assertThat(a.hashKey("sk-abc")).isNotEqualTo(new Vault(key()).hashKey("sk-abc"));
    assertThat(a.hashKey("sk-abc")).isNotEqualTo(a.hashKey("sk-abd"));
  }

  @Test
  void newAccountKeysHaveTheDocumentedShapeAndMaskShowsOnlyEnds() {
    String k = Secrets.newAccountKey();
    assertThat(k).matches("sk-[A-Za-z0-9_-]{48}");
    assertThat(Secrets.mask(k)).isEqualTo("sk-..." + k.substring(k.length() - 4));
    assertThat(Secrets.mask("short")).isEqualTo("...");
  }
}
