export {
  EventStoreDbEventStore,
  type EventStoreDbClientPort,
  type EventStoreDbSubscription,
} from './eventstoredb-event-store';
