import { mount } from 'svelte';
import App from './App.svelte';
import StartupError from './components/StartupError.svelte';
import { connectStudio } from './lib/api';
import './app.css';

const target = document.getElementById('app')!;
try {
  mount(App, { target, props: connectStudio() });
} catch (e) {
  mount(StartupError, { target, props: { message: e instanceof Error ? e.message : String(e) } });
}
