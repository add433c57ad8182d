package io.yugong.metrics;

import io.yugong.billing.PriceBook;
import io.yugong.billing.Tariff;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code model} label of a model name: the price book's name for it (exact, or the entry a
 * snapshot or variant name such as {@code gpt-4o-2024-08-06} is priced under), {@code none} when the
 * request named none, else {@code other} — so a client inventing model names never creates a series.
 * Answers are cached per price book (bounded); a new book starts a new cache.
 */
final class ModelNames {

  static final String OTHER = "other";
  static final String NONE = "none";
  private static final int MAX_CACHED = 4096;

  private final Tariff tariff;
  private volatile Cache cache;

  private record Cache(PriceBook book, Map<String, String> labels) {}

  ModelNames(Tariff tariff) {
    this.tariff = tariff;
  }

  String label(String model) {
    if (model == null || model.isEmpty()) {
      return NONE;
    }
    PriceBook book = tariff.prices();
    Cache c = cache;
    if (c == null || c.book != book) {
      c = new Cache(book, new ConcurrentHashMap<>());
      cache = c;
    }
    String known = c.labels.get(model);
    if (known != null) {
      return known;
    }
    String label = resolve(book, model);
    if (c.labels.size() < MAX_CACHED) {
      c.labels.put(model, label);
    }
    return label;
  }

  private static String resolve(PriceBook book, String model) {
    if (model.length() > 200) {
      return OTHER;
    }
    Map<String, ?> priced = book.models();
    String name = model.toLowerCase(Locale.ROOT);
    if (priced.containsKey(name)) {
      return name;
    }
    for (int i = name.length() - 1; i > 0; i--) {
      if (name.charAt(i) == '-' && priced.containsKey(name.substring(0, i))) {
        return name.substring(0, i);
      }
    }
    return OTHER;
  }
}
