import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import OutsideShell from './lib/OutsideShell.svelte';
import { inTauri, tauriBackend } from './lib/backend';
import { appContext } from './lib/context';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

if (inTauri()) {
  mount(App, { target, context: appContext(tauriBackend) });
} else {
  mount(OutsideShell, { target });
}
