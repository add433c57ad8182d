package io.yugong.keypool;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryListener;
import com.hazelcast.map.MapEvent;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** Follows a replicated map of strings: every put, every removal, and clears. */
final class MapFollower implements EntryListener<String, String> {

  private final BiConsumer<String, String> put;
  private final Consumer<String> removed;
  private final Runnable cleared;

  MapFollower(BiConsumer<String, String> put, Consumer<String> removed, Runnable cleared) {
    this.put = put;
    this.removed = removed;
    this.cleared = cleared;
  }

  @Override
  public void entryAdded(EntryEvent<String, String> e) {
    put.accept(e.getKey(), e.getValue());
  }

  @Override
  public void entryUpdated(EntryEvent<String, String> e) {
    put.accept(e.getKey(), e.getValue());
  }

  @Override
  public void entryRemoved(EntryEvent<String, String> e) {
    removed.accept(e.getKey());
  }

  @Override
  public void entryEvicted(EntryEvent<String, String> e) {
    removed.accept(e.getKey());
  }

  @Override
  public void entryExpired(EntryEvent<String, String> e) {
    removed.accept(e.getKey());
  }

  @Override
  public void mapCleared(MapEvent e) {
    cleared.run();
  }

  @Override
  public void mapEvicted(MapEvent e) {
    cleared.run();
  }
}
