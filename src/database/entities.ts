/** Every TypeORM entity, listed once: the app, the migration check and the tests all use this list. */
export const ENTITIES: (new () => object)[] = [];
