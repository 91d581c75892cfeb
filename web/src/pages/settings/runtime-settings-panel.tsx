import { useEffect, useState, type FormEvent } from 'react';
import type { RuntimeSetting } from '../../api/types.js';
import { useApp } from '../../app-context.js';
import { ProblemNotice } from '../../components/problem-notice.js';
import { scopeAllows } from '../../lib/routes.js';

function shown(value: unknown): string {
  return value === null || value === undefined ? '–' : String(value);
}

/** A form value back to the setting's type; an empty or malformed number stays a string for the server to refuse. */
function parsed(setting: RuntimeSetting, text: string): unknown {
  if (setting.schema.type === 'integer' || setting.schema.type === 'number') {
    const number = Number(text);
    return text.trim() !== '' && Number.isFinite(number) ? number : text;
  }
  return text;
}

/**
 * The settings that may change while the server runs (answers and search defaults). Admins edit them;
 * a change is stored in the server's database and applies from the next request. Other keys see the
 * values in effect.
 */
export function RuntimeSettingsPanel() {
  const { client, settings, refreshSettings, scope, collections } = useApp();
  const admin = scopeAllows(scope, 'admin');
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const list = settings?.settings ?? [];
  const serverValues = JSON.stringify(list.map((s) => s.value));

  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the server's values (serialised), not on the list object of each render
  useEffect(() => {
    setDraft(Object.fromEntries(list.map((setting) => [setting.key, shown(setting.value)])));
    // Refills the form whenever the server's values change (after a save or a refresh).
  }, [serverValues]);

  const changed = list.filter((setting) => draft[setting.key] !== undefined && draft[setting.key] !== shown(setting.value));

  const save = async (patch: Record<string, unknown>) => {
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await client.updateSettings(patch);
      await refreshSettings();
      setSaved(true);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save(Object.fromEntries(changed.map((setting) => [setting.key, parsed(setting, draft[setting.key] ?? '')])));
  };

  return (
    <section className="card" aria-labelledby="settings-runtime">
      <h2 id="settings-runtime">Answers and search</h2>
      <p className="muted small">
        {admin
          ? 'Changes are stored in the server’s database, apply from the next request, and take precedence over the configuration file and environment until reset.'
          : 'The defaults in effect. An admin key can change them.'}
      </p>
      {admin ? (
        <form onSubmit={submit} aria-label="Run-time settings">
          <div className="settings-list">
            {list.map((setting) => (
              <div key={setting.key} className="setting-row">
                <div className="field">
                  <label htmlFor={`setting-${setting.key}`}>{setting.label}</label>
                  <SettingInput setting={setting} value={draft[setting.key] ?? ''} collections={collections.map((c) => c.name)} onChange={(value) => setDraft({ ...draft, [setting.key]: value })} />
                  <p className="field-help">
                    {setting.description}
                    {setting.overridden ? ` Configured: ${shown(setting.configured)}.` : ''}
                  </p>
                </div>
                {setting.overridden ? (
                  <button type="button" className="link-button small" aria-label={`Reset ${setting.label}`} disabled={busy} onClick={() => void save({ [setting.key]: null })}>
                    Reset to {shown(setting.configured)}
                  </button>
                ) : null}
              </div>
            ))}
          </div>
          <div className="button-row">
            <button type="submit" className="primary" disabled={busy || changed.length === 0}>
              {changed.length > 1 ? `Save ${changed.length} changes` : 'Save'}
            </button>
            {saved && changed.length === 0 ? (
              <span className="muted small" role="status">
                Saved.
              </span>
            ) : null}
          </div>
        </form>
      ) : (
        <dl className="facts">
          {list.map((setting) => (
            <div key={setting.key} className="facts-row">
              <dt>{setting.label}</dt>
              <dd>{shown(setting.value)}</dd>
            </div>
          ))}
        </dl>
      )}
      <ProblemNotice error={error} onDismiss={() => setError(null)} />
    </section>
  );
}

function SettingInput({ setting, value, collections, onChange }: { setting: RuntimeSetting; value: string; collections: string[]; onChange: (value: string) => void }) {
  const id = `setting-${setting.key}`;
  if (setting.key === 'defaultCollection') {
    const options = collections.includes(value) ? collections : [value, ...collections];
    return (
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {options.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    );
  }
  if (setting.schema.enum) {
    return (
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {setting.schema.enum.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    );
  }
  const numeric = setting.schema.type === 'integer' || setting.schema.type === 'number';
  return (
    <input
      id={id}
      type={numeric ? 'number' : 'text'}
      value={value}
      min={setting.schema.minimum}
      max={setting.schema.maximum}
      step={setting.schema.type === 'number' ? 'any' : 1}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}
