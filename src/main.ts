#!/usr/bin/env node
import { serve } from '@crossplane-org/function-sdk-typescript';
import { runFunction } from './function.js';

serve({ RunFunction: runFunction });
