export * from './client-memo.queries';
export * from './client-profile.queries';
export * from './client-profiles.migrations';
export * from './client-profiles.projection';
export * from './client-document.queries';
export * from './client-merge.queries';
