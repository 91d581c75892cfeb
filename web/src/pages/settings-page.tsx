import { useApp } from '../app-context.js';
import { scopeAllows } from '../lib/routes.js';
import { BackupsPanel } from './settings/backups-panel.js';
import { CollectionsPanel } from './settings/collections-panel.js';
import { KeysPanel } from './settings/keys-panel.js';
import { ModelsPanel } from './settings/models-panel.js';
import { RuntimeSettingsPanel } from './settings/runtime-settings-panel.js';

/**
 * Settings, so that running Cairn needs no command line: collections, API keys, the models and
 * endpoints in effect, the settings that may change while the server runs, backups. Each part shows
 * only what the key logged in may do: admin-only parts are not rendered for lower scopes.
 */
export function SettingsPage() {
  const { settings, scope } = useApp();
  const admin = scopeAllows(scope, 'admin');
  return (
    <div className="page settings-page">
      <div className="page-header">
        <h1>Settings</h1>
        {settings?.key ? (
          <p className="muted small" role="status">
            Logged in with key “{settings.key.name}” ({settings.key.prefix}…), scope {settings.key.scope}.
          </p>
        ) : null}
      </div>
      <CollectionsPanel />
      {admin ? <KeysPanel /> : null}
      <ModelsPanel />
      <RuntimeSettingsPanel />
      {admin ? <BackupsPanel /> : null}
    </div>
  );
}
